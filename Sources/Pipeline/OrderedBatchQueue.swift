import Dispatch
import Foundation
import Parallel
import Store

/// The stage work queue: a producer gathers items in batches, `jobs` threads transform them, and the calling
/// thread consumes the results in input order, so results never depend on `jobs` or timing.
///
/// The three parts overlap: the producer runs on its own thread up to two batches ahead, and batches k + 1 to
/// k + `lookahead` are transformed while the calling thread consumes batch k. Memory holds at most
/// `lookahead` + 3 batches (two queued, one being gathered, the transformed ones, the one consumed). The
/// transform must be a pure function of its item.
public struct OrderedBatchQueue: Sendable {
    /// Worker threads for the transform.
    public let jobs: Int
    /// Items per batch.
    public let batchSize: Int

    /// Batches transformed ahead of the one being consumed, so the workers never wait for the consumer.
    static let lookahead = 3

    public init(jobs: Int, batchSize: Int = 256) {
        precondition(jobs > 0 && batchSize > 0, "OrderedBatchQueue: jobs \(jobs), batchSize \(batchSize)")
        self.jobs = jobs
        self.batchSize = batchSize
    }

    /// Runs until `next` returns `nil`: `consume(transform(item))` for every item, in the order `next` gave them.
    ///
    /// - Parameters:
    ///   - next: the producer, called serially on a thread of its own; it must not touch what `consume` touches.
    ///   - transform: the work, called concurrently on different items.
    ///   - consume: the consumer, called serially on the calling thread, in input order.
    /// - Throws: what `next` throws, after every item it gave before has been consumed; or what `consume`
    ///   throws, at once (no later item is consumed; the producer is stopped).
    public func run<Item: Sendable, Output: Sendable>(
        next: @escaping () throws -> Item?, transform: @escaping @Sendable (Item) -> Output,
        consume: (Output) throws -> Void
    ) throws {
        let batches = BatchChannel<Item>(capacity: 2)
        let size = batchSize
        nonisolated(unsafe) let produce = next
        let producer = Thread {
            while true {
                if batches.isCancelled {
                    batches.finish([], error: nil)
                    return
                }
                var batch: [Item] = []
                batch.reserveCapacity(size)
                do {
                    while batch.count < size, let item = try produce() { batch.append(item) }
                } catch {
                    batches.finish(batch, error: error)
                    return
                }
                if batch.count < size {
                    batches.finish(batch, error: nil)
                    return
                }
                batches.put(batch)
            }
        }
        producer.start()
        defer { batches.waitUntilProducerDone() }
        var inFlight: [InFlight<Output>] = []
        var exhausted = false
        while true {
            while !exhausted && inFlight.count < Self.lookahead {
                guard let batch = batches.take() else {
                    exhausted = true
                    break
                }
                inFlight.append(InFlight(batch, transform: transform, jobs: jobs))
            }
            guard !inFlight.isEmpty else { break }
            let oldest = inFlight.removeFirst()
            for output in oldest.wait() {
                do {
                    try consume(output)
                } catch {
                    batches.cancel()
                    for later in inFlight { _ = later.wait() }
                    throw error
                }
            }
        }
        if let error = batches.producerError { throw error }
    }
}

/// A bounded hand-over of batches from the producer thread to the consumer.
private final class BatchChannel<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[Item]] = []
    private var finished = false
    private var producerDone = false
    private var cancelled = false
    private(set) var producerError: Error?
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Whether the consumer has stopped (the producer should stop too).
    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Waits for room, then queues `batch` (dropped if the consumer has cancelled).
    func put(_ batch: [Item]) {
        condition.lock()
        while queue.count >= capacity && !cancelled { condition.wait() }
        if !cancelled { queue.append(batch) }
        condition.broadcast()
        condition.unlock()
    }

    /// Queues the last, possibly empty, batch and the producer's error, if any.
    func finish(_ batch: [Item], error: Error?) {
        condition.lock()
        if !batch.isEmpty && !cancelled { queue.append(batch) }
        producerError = error
        finished = true
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or `nil` when the producer has finished and every batch was taken.
    func take() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let batch = queue.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Tells the producer to stop.
    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until the producer thread has returned (so nothing it captured is used afterwards).
    func waitUntilProducerDone() {
        condition.lock()
        if !producerDone {
            cancelled = true
            queue.removeAll()
            condition.broadcast()
        }
        while !producerDone { condition.wait() }
        condition.unlock()
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
