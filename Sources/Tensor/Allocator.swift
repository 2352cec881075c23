import Glibc
import Synchronization

/// The C allocator's handling of the large, short-lived arrays tensor ops make.
public enum Allocator {
    /// Whether `retainFreedBlocks()` has run: the allocator setting it changed is the process's, and so is this.
    private static let retaining = Atomic<Bool>(false)

    /// Keeps freed blocks of up to 1 GiB in the process's heap instead of returning them to the kernel.
    ///
    /// glibc serves blocks above its mmap threshold (at most 32 MiB by default) with fresh mappings and
    /// unmaps them when freed, so every op's output and every gradient of a training step page-faulted and was
    /// zeroed by the kernel again (8 % of a CGCNN training profile). Raising the threshold and the trim
    /// threshold lets the next step reuse the memory; the price is that the process keeps its peak size.
    /// Call once at the start of a process that trains or predicts; elsewhere than Linux it does nothing. Outputs
    /// get no huge-page advice afterwards (`adviseHugePages`).
    public static func retainFreedBlocks() {
        #if os(Linux)
            // <malloc.h>, which Swift's Glibc module does not export: M_TRIM_THRESHOLD −1, M_MMAP_THRESHOLD −3.
            _ = glibcMallopt(-3, 1 << 30)
            _ = glibcMallopt(-1, Int32.max)
            retaining.store(true, ordering: .relaxed)
        #endif
    }
}

extension Allocator {
    /// Asks the kernel to back the 2 MiB-aligned interior of a new block of at least 8 MiB with huge pages.
    ///
    /// Call before the block is first written. Each first touch of a 4 KiB page faults and the kernel zeroes it;
    /// a 2 MiB page faults once for 512 of them (a 150 MB output: 83 ms of faults and zeroing, 20–30 ms with the
    /// advice, measured). Only where transparent huge pages are in `madvise` or `always` mode; elsewhere nothing.
    /// Not once freed blocks are retained: they are reused, faulted in once, and there the advice measured slower
    /// (`xtal predict` on the dielectric set: 1.36–1.58 s with it, 1.22–1.33 s without).
    @inline(__always)
    static func adviseHugePages(_ base: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
            guard bytes >= 8 << 20, !retaining.load(ordering: .relaxed) else { return }
            let page = 2 << 20
            let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: base) + bytes) & ~(page - 1)
            guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(aligned, end - start, 14)  // MADV_HUGEPAGE, which Swift's Glibc module does not export
        #endif
    }
}

#if os(Linux)
    /// glibc's `int mallopt(int param, int value)`.
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
