import ArgumentParser
import Foundation

/// `xtal stitch RUN_DIR [OUTPUT…]`: joins the shard files of stage outputs into the outputs themselves.
public struct StitchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal stitch",
        abstract: "Join the shards of sharded stages (shards/<output>/<i>-of-<n>.h5) into their outputs.",
        discussion: """
            The output (crystals.h5, graphs.h5, embeddings.h5 or predictions.h5) is written as HDF5 virtual \
            datasets over the shard files, after checking that every shard is there, complete and made the same \
            way; offsets are rewritten. Later stages, and h5py, read it as one file. xtal run stitches by itself. \
            OUTPUT is a stage (graph) or its file (graphs.h5); default: every output with shards.
            """,
        version: "xtal \(XtalVersion.current)"
    )

    @Argument(help: ArgumentHelp("The run directory.", valueName: "RUN_DIR"))
    var runDirectory: String

    @Argument(help: ArgumentHelp("Outputs to stitch (default: all with shards).", valueName: "OUTPUT"))
    var outputs: [String] = []

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    public init() {}

    public func validate() throws {
        for output in outputs where Self.fileName(output) == nil {
            let known = Stitch.outputs.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
            throw ValidationError("'\(output)' is not a sharded output: \(known.joined(separator: ", "))")
        }
    }

    /// The output file a name means: a stage or a file name.
    static func fileName(_ name: String) -> String? {
        Stitch.outputs[name] ?? (Stitch.outputs.values.contains(name) ? name : nil)
    }

    public func run() throws {
        do {
            let directory = try RunDirectory(runDirectory)
            var files = outputs.compactMap(Self.fileName)
            if files.isEmpty {
                files = Stitch.outputs.values.sorted().filter {
                    FileManager.default.fileExists(atPath: directory.file(Shard.folder(of: $0)))
                }
                if files.isEmpty { throw StitchError.noShards(directory.file("shards")) }
            }
            for file in files {
                let started = Date()
                let summary = try Stitch(directory: directory, fileName: file).run()
                guard !quiet else { continue }
                var line = "stitch: \(summary.shards) shards, \(summary.rows) crystals"
                if summary.excluded > 0 { line += " (\(summary.excluded) duplicate ids left out, listed in rejects)" }
                print(line + String(format: " in %.1f s → %@", Date().timeIntervalSince(started), summary.output))
            }
        } catch {
            FileHandle.standardError.write(Data("xtal stitch: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
