import ArgumentParser
import Foundation

/// `--shard`, taken by the stages that can split their work across processes (ingest, graph, embed, predict).
public struct ShardOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Do shard i of n (0 ≤ i < n) into shards/<output>/<i>-of-<n>.h5; `auto` reads i and n from Slurm or MPI. "
                + "xtal stitch joins the shards.",
            valueName: "i/n"))
    public var shard: String?

    public init() {}

    public mutating func validate() throws {
        _ = try resolved(environment: [:], validating: true)
    }

    /// The shard asked for, nil when unsharded (with a warning when a launcher started several of this process).
    ///
    /// - Throws: `ShardError` for an unreadable value, or `auto` outside a launcher.
    public func resolved(
        environment: [String: String] = ProcessInfo.processInfo.environment, validating: Bool = false
    ) throws -> Shard? {
        guard let shard else {
            if !validating, let launched = Shard.fromEnvironment(environment), launched.count > 1 {
                // Every task of the array (or rank) would write the whole output, all to one file.
                FileHandle.standardError.write(
                    Data(
                        ("warning: started as shard \(launched) by Slurm or MPI without --shard: this process does "
                            + "all the work; pass --shard auto to do its share\n").utf8))
            }
            return nil
        }
        if validating && shard == "auto" { return nil }
        do {
            return try Shard.resolve(shard, environment: environment)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
