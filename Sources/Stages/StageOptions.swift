import ArgumentParser
import Store

/// Options every stage executable takes (DESIGN.md §3).
public struct StageOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("The run directory holding the store.", valueName: "RUN_DIR"))
    public var store: String

    @Option(name: .long, help: "Worker threads (default: all cores). Results do not depend on it.")
    public var jobs: Int = DatasetOptions.defaultThreads

    @Flag(name: .long, help: "Overwrite this stage's existing output.")
    public var force = false

    @Flag(name: .long, help: "Print nothing but errors.")
    public var quiet = false

    @Option(
        name: .long,
        help: ArgumentHelp("Dataset compression: zstd, zstd:LEVEL, gzip, gzip:LEVEL or none.", valueName: "C"))
    public var compression: String = "zstd"

    public init() {}

    public mutating func validate() throws {
        guard jobs > 0 else { throw ValidationError("--jobs must be at least 1") }
        guard Compression(parsing: compression) != nil else {
            throw ValidationError("--compression must be zstd[:LEVEL], gzip[:LEVEL] or none, not '\(compression)'")
        }
    }

    /// The dataset options these flags select.
    public var datasetOptions: DatasetOptions {
        DatasetOptions(compression: Compression(parsing: compression) ?? .default, threads: jobs)
    }
}
