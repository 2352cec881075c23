import Foundation

/// One share of a stage's work: shard `index` of `count` (0-based), given as `--shard i/n` or read from the
/// launcher's environment (`--shard auto`).
///
/// Shards split their work into contiguous, balanced ranges, so stitching them in shard order gives the
/// unsharded order. Each writes its own serial HDF5 file, `shards/<stem>/<i>-of-<n>.h5` in the run directory;
/// `xtal stitch` then joins them (`Stitch`).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        precondition(count > 0 && (0..<count).contains(index), "Shard: index \(index) of \(count)")
        self.index = index
        self.count = count
    }

    /// `i/n` with 0 ≤ i < n; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0,
            (0..<count).contains(index)
        else { return nil }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard a launcher started this process as, from its environment; nil when none is set.
    ///
    /// A Slurm job array first (the task id less the array's first id, of the array's task count), then the
    /// rank and size of Open MPI, MPICH (PMI) and `srun` (`SLURM_PROCID`, `SLURM_NTASKS`).
    public static func fromEnvironment(_ environment: [String: String]) -> Shard? {
        func number(_ name: String) -> Int? { environment[name].flatMap { Int($0) } }
        if let task = number("SLURM_ARRAY_TASK_ID"), let count = number("SLURM_ARRAY_TASK_COUNT") {
            let index = task - (number("SLURM_ARRAY_TASK_MIN") ?? 0)
            return count > 0 && (0..<count).contains(index) ? Shard(index: index, count: count) : nil
        }
        for (rank, size) in [
            ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE"),
            ("SLURM_PROCID", "SLURM_NTASKS"),
        ] {
            if let index = number(rank), let count = number(size), count > 0, (0..<count).contains(index) {
                return Shard(index: index, count: count)
            }
        }
        return nil
    }

    /// The shard `--shard` names: `i/n`, or `auto` for the launcher's environment.
    ///
    /// - Throws: `ShardError.unreadable` for another value, or `auto` outside a launcher.
    public static func resolve(_ option: String, environment: [String: String]) throws -> Shard {
        if option == "auto" {
            guard let shard = fromEnvironment(environment) else { throw ShardError.noLauncher }
            return shard
        }
        guard let shard = Shard(parsing: option) else { throw ShardError.unreadable(option) }
        return shard
    }

    /// This shard's part of `total` items: contiguous, sizes differing by at most one, in shard order.
    public func range(of total: Int) -> Range<Int> {
        (index * total / count)..<((index + 1) * total / count)
    }

    /// The folder of the shard files of stage output `fileName` (`graphs.h5` → `shards/graphs`), relative to
    /// the run directory.
    public static func folder(of fileName: String) -> String {
        "shards/" + (fileName as NSString).deletingPathExtension
    }

    /// This shard's file name, `<i>-of-<n>.h5`.
    public var fileName: String { "\(index)-of-\(count).h5" }

    /// This shard's file of stage output `fileName`, relative to the run directory.
    public func path(of fileName: String) -> String { Self.folder(of: fileName) + "/" + self.fileName }
}

/// Why `--shard` or a shard file cannot be used; one line each, naming the shard file.
public enum ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(String)
    case noLauncher
    /// The stage cannot run sharded with this option.
    case unsupported(stage: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let text): "--shard must be i/n with 0 ≤ i < n, or auto; not '\(text)'"
        case .noLauncher:
            "--shard auto: no launcher environment (SLURM_ARRAY_TASK_ID, OMPI_COMM_WORLD_RANK, PMI_RANK or "
                + "SLURM_PROCID with their counts)"
        case .unsupported(let stage, let reason): "\(stage) cannot run sharded: \(reason)"
        }
    }
}
