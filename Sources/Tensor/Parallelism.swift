import CBLAS
import Glibc
import Parallel

/// How many threads tensor ops use, bound for a scope: `Parallelism.$threads.withValue(jobs) { … }`.
///
/// A task-local value, so it is configuration passed down a call tree, not a global: stages bind it from
/// `--jobs`, tests bind it to compare thread counts. Ops split work into fixed ranges (`grain` elements), so
/// results do not depend on the value. Outside Swift tasks the binding lives in thread-local storage: work
/// handed to other threads (a Dispatch work queue) must bind it again there. Matrix products are split into
/// fixed blocks of rows too, each a
/// single-threaded gemm: OpenBLAS's own threads gave different bits for 1 and 2 threads (measured), and
/// they collapse when other threads compete for the cores.
public enum Parallelism {
    @TaskLocal public static var threads = 1

    /// Elements per work range of an elementwise op.
    static let grain = 1 << 14

    /// A grain of whole rows of `width` elements, about `grain` elements.
    static func rowGrain(width: Int) -> Int { Swift.max(1, width) * Swift.max(1, grain / Swift.max(1, width)) }

    /// Runs `body` over fixed ranges covering `0..<count` on `threads` threads.
    static func forEachRange(_ count: Int, grain: Int = Parallelism.grain, _ body: (Range<Int>) -> Void) {
        let threads = count >= 2 * grain ? Parallelism.threads : 1
        forEachChunk(count, grain: grain, threads: threads, body)
    }

    /// Outputs of at least this many bytes are written past the caches where a C loop writes them: gathers
    /// (`xtal_gather_rows`) and batch normalisation's forward row map (`xtal_affine_rows`).
    ///
    /// That is the whole last-level cache of the AMD EPYC VM measured (shared by its two cores), so an output this
    /// large has mostly left cache by the time the next op reads its start. Non-temporal stores lose nothing there and
    /// spare the read of every line before its first store (a gather of 300,000 rows of 64 floats, one thread: 5.1 →
    /// 2.9 ms). Not for the activations: their loops are bound by arithmetic as much as by memory, and computing blocks
    /// into L1 to stream them made softplus and sigmoid 70–85 % slower on one thread (2026-12-06).
    static let streamingBytes = 32 << 20

    /// Whether an output of `count` elements of `Element` is written with non-temporal stores (`streamingBytes`),
    /// as the C loops' `stream` argument.
    static func streams<Element>(_: Element.Type, count: Int) -> Int32 {
        count * MemoryLayout<Element>.stride >= streamingBytes ? 1 : 0
    }

    /// Rows of the product per gemm call.
    static let gemmRows = 256

    /// Inner-dimension slice of a product with at most `gemmRows` rows (weight gradients over every edge).
    static let gemmDepth = 8192

    /// Keeps OpenBLAS single-threaded (the blocks are the parallelism), with kernels for this CPU (`BLASKernels`).
    static func prepareBLAS() {
        _ = BLASKernels.chosen
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// Stops OpenBLAS's own worker threads, which XtalScreen never uses; call once, at the start of a process.
    ///
    /// Matrix products run as single-threaded blocks on XtalScreen's threads. OpenBLAS's pthread build starts
    /// one thread per core when the library loads, and each spins (`sched_yield`) for about 2²⁸ cycles, a tenth
    /// of a second, before it sleeps: a core taken from every short stage (a quarter of the CPU time of a
    /// 2-core ingest of the dielectric set). `blas_thread_shutdown_`
    /// is the function OpenBLAS itself calls before a fork; it is looked up at run time, so builds without it
    /// (serial, OpenMP) are left as they are. The process's kernels are chosen here too (`BLASKernels`), before
    /// other threads run.
    public static func stopBLASThreads() {
        _ = BLASKernels.chosen
        openblas_set_num_threads(1)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return }
        typealias Shutdown = @convention(c) () -> Int32
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
    }
}

extension Array {
    /// An array of `count` elements, each range of indices filled by `fill` (in parallel per
    /// `Parallelism.threads`); `fill` must write every index of its range.
    @inline(__always)
    static func filled(
        count: Int, grain: Int = Parallelism.grain, _ fill: (Range<Int>, UnsafeMutablePointer<Element>) -> Void
    )
        -> [Element]
    {
        uninitialized(count: count) { base in
            nonisolated(unsafe) let out = base
            Parallelism.forEachRange(count, grain: grain) { range in fill(range, out) }
        }
    }

    /// An array of `count` uninitialised elements, handed to `write` (not called when `count` is 0).
    ///
    /// The memory is advised for huge pages first when large (`Allocator.adviseHugePages`). Every element must be
    /// written before it is read, by `write` or by the caller afterwards.
    @inline(__always)
    static func uninitialized(count: Int, _ write: (UnsafeMutablePointer<Element>) -> Void) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress, count > 0 {
                Allocator.adviseHugePages(UnsafeMutableRawPointer(base), bytes: count * MemoryLayout<Element>.stride)
                write(base)
            }
            initialized = count
        }
    }
}
