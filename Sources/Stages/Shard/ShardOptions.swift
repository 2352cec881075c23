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

    /// The shard asked for, nil when unsharded.
    ///
    /// - Throws: `ShardError` for an unreadable value, or `auto` outside a launcher.
    public func resolved(
        environment: [String: String] = ProcessInfo.processInfo.environment, validating: Bool = false
    ) throws -> Shard? {
        guard let shard else { return nil }
        if validating && shard == "auto" { return nil }
        do {
            return try Shard.resolve(shard, environment: environment)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
