import Dispatch
import Store

/// The stage work queue: items are gathered in batches by one thread, transformed on `jobs` threads, and
/// handed back in input order, so results never depend on `jobs` or timing.
///
/// The serial ends overlap the parallel middle: while batch k is transformed, the calling thread hands batch
/// k − 1's results to `consume` and gathers batch k + 1. Memory holds at most three batches. The transform
/// must be a pure function of its item.
public struct OrderedBatchQueue: Sendable {
    /// Worker threads for the transform.
    public let jobs: Int
    /// Items per batch.
    public let batchSize: Int

    public init(jobs: Int, batchSize: Int = 256) {
        precondition(jobs > 0 && batchSize > 0, "OrderedBatchQueue: jobs \(jobs), batchSize \(batchSize)")
        self.jobs = jobs
        self.batchSize = batchSize
    }

    /// Runs until `next` returns `nil`: `consume(transform(item))` for every item, in the order `next` gave them.
    ///
    /// - Parameters:
    ///   - next: the producer, called serially on the calling thread.
    ///   - transform: the work, called concurrently on different items.
    ///   - consume: the consumer, called serially on the calling thread, in input order.
    /// - Throws: what `next` throws, after every item it gave before has been consumed; or what `consume`
    ///   throws, at once (no later item is consumed).
    public func run<Item: Sendable, Output: Sendable>(
        next: () throws -> Item?, transform: @escaping @Sendable (Item) -> Output, consume: (Output) throws -> Void
    ) throws {
        do {
            var producerError: Error?
            func gather() -> [Item] {
                var batch: [Item] = []
                guard producerError == nil else { return batch }
                batch.reserveCapacity(batchSize)
                do {
                    while batch.count < batchSize, let item = try next() { batch.append(item) }
                } catch {
                    producerError = error
                }
                return batch
            }
            var inFlight: InFlight<Output>?
            var batch = gather()
            while !batch.isEmpty || inFlight != nil {
                let started = batch.isEmpty ? nil : InFlight(batch, transform: transform, jobs: jobs)
                let full = batch.count == batchSize
                batch = full ? gather() : []
                if let previous = inFlight {
                    for output in previous.wait() {
                        do {
                            try consume(output)
                        } catch {
                            _ = started?.wait()
                            throw error
                        }
                    }
                }
                inFlight = started
            }
            if let producerError { throw producerError }
        }
    }
}

/// One batch being transformed on a background queue.
private final class InFlight<Output: Sendable>: @unchecked Sendable {
    private let group = DispatchGroup()
    private var outputs: [Output] = []

    init<Item: Sendable>(_ items: [Item], transform: @escaping @Sendable (Item) -> Output, jobs: Int) {
        group.enter()
        DispatchQueue.global().async { [self] in
            var results = [Output?](repeating: nil, count: items.count)
            results.withUnsafeMutableBufferPointer { slots in
                parallelFor(items.count, threads: jobs) { index in slots[index] = transform(items[index]) }
            }
            outputs = results.compactMap { $0 }
            group.leave()
        }
    }

    /// The outputs, in item order, once the batch is done.
    func wait() -> [Output] {
        group.wait()
        return outputs
    }
}
