import Dispatch
import Synchronization

/// Runs `body(index)` for every index in `0..<count` on up to `threads` threads.
///
/// With `threads <= 1` it is a plain loop. Otherwise each worker takes the next index not yet taken (one atomic
/// counter), so a worker that was descheduled, or drew slow items, does not leave the others idle at the end:
/// which thread runs an index depends on timing, so `body` must only write state owned by its index (results
/// then never depend on it). A fixed assignment (index i to worker i % workers) left a worker idle while the
/// other, sharing its core with ingest's reader or writer thread, finished its half of the batch.
///
/// Every thread runs its share with subnormal floats flushed to zero (`withSubnormalsFlushed`), the calling
/// thread included, so an element's value never depends on which thread computed it.
///
/// This is the one place that hands a non-`Sendable` closure to `concurrentPerform`; callers keep
/// their per-index writes disjoint.
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = min(max(threads, 1), count)
    guard workers > 1 else {
        withSubnormalsFlushed {
            for index in 0..<count { body(index) }
        }
        return
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            withSubnormalsFlushed {
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < count else { return }
                    work(index)
                }
            }
        }
    }
}

/// Runs `body(range)` for consecutive ranges of at most `grain` indices covering `0..<count`, on up to
/// `threads` threads.
///
/// The ranges depend only on `count` and `grain`, never on `threads`, so work that reduces within a range
/// and combines ranges in order gives the same bits for any thread count.
public func forEachChunk(_ count: Int, grain: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    precondition(grain > 0, "forEachChunk: grain \(grain)")
    let chunks = (count + grain - 1) / grain
    parallelFor(chunks, threads: threads) { chunk in
        body((chunk * grain)..<min(count, (chunk + 1) * grain))
    }
}
