import Distributed
import NN
import Tensor

/// One optimiser step's gradients computed in parts, across the ranks of a data-parallel run.
///
/// A mini-batch (its crystal list) is cut into `parts` contiguous parts balanced by crystal count (empty parts,
/// when the batch has fewer crystals, are dropped). Each part runs forward and backward on its own tape from the
/// step's weights and buffers, with its loss scaled so that the parts' losses add up to the batch's (the caller's
/// closure does the scaling). Rank r of R computes the parts of its contiguous block, sends them to every rank
/// (`Communicator.allgather`), and every rank combines all parts in part order (`PartResult.combining`). So the
/// update is the same on every rank, and for a fixed `parts` the same for any rank count, a single process
/// included; with one part it is undivided training, bit for bit.
///
/// Against undivided training of the same batch, BatchNorm normalises each part by its own statistics and its
/// running averages become the mean of the parts' (as in PyTorch's DistributedDataParallel without SyncBatchNorm),
/// and contrastive losses compare a crystal only with others in its part.
struct DataParallelStep {
    /// The processes that share the work.
    let communicator: Communicator
    /// Parts per mini-batch, at least 1.
    let parts: Int

    /// One process, undivided batches.
    static var single: DataParallelStep { DataParallelStep(communicator: .single, parts: 1) }

    init(communicator: Communicator, parts: Int) {
        precondition(parts >= 1, "DataParallelStep: \(parts) parts")
        self.communicator = communicator
        self.parts = parts
    }

    /// The step for the `parts` asked (nil: one per rank, so one in a single process) on `communicator`, and the
    /// parts to record in the stage's parameters: nil for one part, so that undivided runs keep their hashes.
    static func resolving(parts: Int?, on communicator: Communicator) -> (step: DataParallelStep, recorded: Int?) {
        let count = parts ?? communicator.size
        return (DataParallelStep(communicator: communicator, parts: count), count == 1 ? nil : count)
    }

    /// Whether this rank writes files and prints progress (rank 0).
    var isRoot: Bool { communicator.rank == 0 }

    /// `members` cut into at most `parts` contiguous parts: part p is members[⌊p·n/P⌋ ..< ⌊(p+1)·n/P⌋], empty ones
    /// left out.
    func split(_ members: [Int]) -> [[Int]] {
        (0..<parts).compactMap { p in
            let range = (p * members.count / parts)..<((p + 1) * members.count / parts)
            return range.isEmpty ? nil : Array(members[range])
        }
    }

    /// The parts (indices into `split`'s result of `count` parts) that rank `rank` computes: a contiguous block,
    /// ⌈r·count/R⌉ ..< ⌈(r+1)·count/R⌉ (with fewer parts than ranks, one part each for the first ranks, none for
    /// the others).
    func block(of count: Int, rank: Int) -> Range<Int> {
        let size = communicator.size
        return ((rank * count + size - 1) / size)..<(((rank + 1) * count + size - 1) / size)
    }

    /// The combined result of `members`' parts, each computed by `part` on the rank that owns it.
    ///
    /// - Parameters:
    ///   - members: the mini-batch's crystals (not empty).
    ///   - parameters: the step's weights (their names and shapes, to exchange gradients).
    ///   - buffers: the step's buffers (the same on every rank), from which every part starts.
    ///   - part: one part's forward and backward pass: its crystals (a contiguous piece of `members`) → its
    ///     gradients, buffers after the pass and scalars.
    /// - Returns: the parts combined in part order (gradients summed, buffers averaged, scalars summed).
    func run(
        _ members: [Int], parameters: Parameters<Float>, buffers: Parameters<Float>, part: ([Int]) throws -> PartResult
    ) rethrows -> PartResult {
        precondition(!members.isEmpty, "DataParallelStep.run: an empty batch")
        let pieces = split(members)
        var results = try block(of: pieces.count, rank: communicator.rank).map { try part(pieces[$0]) }
        if communicator.size > 1 {
            var message: [UInt8] = []
            withUnsafeBytes(of: Int64(results.count)) { message.append(contentsOf: $0) }
            for result in results { result.write(to: &message, parameters: parameters, buffers: buffers) }
            results = []
            for payload in communicator.allgather(message) {
                var offset = MemoryLayout<Int64>.size
                let count = payload.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
                for _ in 0..<count {
                    results.append(PartResult(reading: payload, at: &offset, parameters: parameters, buffers: buffers))
                }
                precondition(offset == payload.count, "DataParallelStep.run: \(payload.count - offset) bytes left over")
            }
        }
        precondition(results.count == pieces.count, "DataParallelStep.run: \(results.count) of \(pieces.count) parts")
        return PartResult.combining(results)
    }

    /// Rank 0's `parameters` on every rank (the same names and shapes on every rank).
    func broadcast(_ parameters: Parameters<Float>) -> Parameters<Float> {
        guard communicator.size > 1 else { return parameters }
        let names = parameters.names.sorted()
        var bytes: [UInt8] = []
        if isRoot { for name in names { parameters[name].values.withUnsafeBytes { bytes.append(contentsOf: $0) } } }
        bytes = communicator.broadcast(bytes)
        precondition(bytes.count == parameters.scalarCount * 4, "DataParallelStep.broadcast: \(bytes.count) bytes")
        var received = parameters
        var offset = 0
        for name in names {
            let shape = parameters[name].shape
            let count = parameters[name].count
            let values = bytes.withUnsafeBytes { raw in
                (0..<count).map { raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: Float.self) }
            }
            received[name] = Tensor(shape: shape, values: values)
            offset += 4 * count
        }
        return received
    }

    /// What rank 0 logs at the start: the ranks and parts, and warnings about them.
    ///
    /// - Parameter partsGiven: whether `--parts` was given (otherwise the parts followed the rank count).
    /// - Returns: the lines, none for one process with undivided batches.
    func notes(partsGiven: Bool) -> [String] {
        let size = communicator.size
        guard size > 1 || parts > 1 else { return [] }
        var notes = [
            "data-parallel: \(size == 1 ? "1 process" : "\(size) MPI ranks"), \(parts) part\(parts == 1 ? "" : "s") "
                + "per batch"
        ]
        if size > parts {
            notes.append(
                "warning: \(size) ranks but \(parts) part\(parts == 1 ? "" : "s") per batch: ranks \(parts)–\(size - 1) "
                    + "compute nothing")
        }
        if !partsGiven && size > 1 {
            notes.append(
                "without --parts the parts per batch follow the rank count: pass --parts P for weights that do "
                    + "not depend on it")
        }
        return notes
    }
}
