import Store

/// The stage work queue: items are gathered in batches by one thread, transformed on `jobs` threads, and
/// handed back in input order, so results never depend on `jobs` or timing.
///
/// Memory holds one batch of items and results. The transform must be a pure function of its item.
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
    ///   - next: the producer, called serially.
    ///   - transform: the work, called concurrently on different items.
    ///   - consume: the consumer, called serially in input order.
    /// - Throws: what `next` or `consume` throws; the batch in flight is finished first up to the failing item.
    public func run<Item, Output>(
        next: () throws -> Item?, transform: (Item) -> Output, consume: (Output) throws -> Void
    ) throws {
        var done = false
        while !done {
            var batch: [Item] = []
            batch.reserveCapacity(batchSize)
            var pending: Error?
            do {
                while batch.count < batchSize, let item = try next() { batch.append(item) }
                done = batch.count < batchSize
            } catch {
                pending = error
                done = true
            }
            var outputs = [Output?](repeating: nil, count: batch.count)
            outputs.withUnsafeMutableBufferPointer { slots in
                parallelFor(batch.count, threads: jobs) { index in slots[index] = transform(batch[index]) }
            }
            for output in outputs {
                if let output { try consume(output) }
            }
            if let pending { throw pending }
        }
    }
}
