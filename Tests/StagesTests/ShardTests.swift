import Foundation
import Pipeline
import Store
import Testing
import _TestSupport

@testable import Stages

/// Sharded stages and `xtal stitch`: a pipeline run in 3 local shards gives the store an unsharded run gives;
/// stitching refuses missing, partial and mismatched shards, naming them.
@Suite struct ShardTests {
    /// Splits the documents of `TrainStageTests.writeDocuments` into `parts` files in `dir/docs/`.
    static func writeDocumentFiles(_ dir: TemporaryDirectory, count: Int = 48, parts: Int = 4) throws -> String {
        let path = try TrainStageTests.writeDocuments(dir, count: count)
        let documents = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [Any])
        let folder = dir.file("docs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for part in 0..<parts {
            let slice = Array(documents[(part * count / parts)..<((part + 1) * count / parts)])
            try JSONSerialization.data(withJSONObject: slice).write(
                to: URL(fileURLWithPath: "\(folder)/part\(part).json"))
        }
        return folder
    }

    /// A pipeline file over `docs` into `run`, its shardable steps in `shards` shards.
    static func pipeline(_ dir: TemporaryDirectory, docs: String, run: String, shards: Int) throws -> String {
        let sharding = shards > 1 ? ", shards: \(shards)" : ""
        let text = """
            version: 1
            run: \(run)
            stages:
              ingest: {inputs: \(docs), label: [a=a, metal=metal], quiet: true\(sharding)}
              graph: {cutoff: 6, line-graph: true, quiet: true\(sharding)}
              \(TrainStageTests.trainStep(epochs: 1))
              embed: {encoder: mt-cgcnn, atoms: true, quiet: true\(sharding)}
              predict: {model: mt-cgcnn, quiet: true\(sharding)}
              rank: {maximize: a, top: 5, quiet: true}
            """
        let path = dir.file("pipeline-\(shards).yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every dataset of the file at `path` (through groups), as text, by path; values read through `Store`.
    static func contents(_ path: String) throws -> [String: String] {
        var result: [String: String] = [:]
        func visit(_ group: StoreGroup) throws {
            for name in try group.childNames() {
                if group.isGroup(name) {
                    try visit(try group.group(name))
                    continue
                }
                let dataset = try group.dataset(name)
                let key = dataset.path
                switch try dataset.typeName() {
                case "string": result[key] = "\(try dataset.readStrings())"
                case "float64": result[key] = "\(try dataset.read(as: Double.self).values)"
                case "float32": result[key] = "\(try dataset.read(as: Float.self).values)"
                case "int64": result[key] = "\(try dataset.read(as: Int64.self).values)"
                case "int32": result[key] = "\(try dataset.read(as: Int32.self).values)"
                case "uint8": result[key] = "\(try dataset.read(as: UInt8.self).values)"
                case let other: Issue.record("\(key): unexpected type \(other)")
                }
                result[key, default: ""] += " \(try dataset.shape())"
            }
        }
        try visit(try StoreFile.open(path).root)
        return result
    }

    @Test func shardedPipelineGivesTheUnshardedStore() throws {
        let dir = try TemporaryDirectory()
        // 600 crystals: 3 blocks of predict and embed (GraphBatches.blockSize), one per shard.
        let docs = try Self.writeDocumentFiles(dir, count: 600)
        let xtal = PipelineRunTests.xtal
        let plain = try runProcess(
            xtal, ["run", try Self.pipeline(dir, docs: docs, run: dir.file("plain"), shards: 1)])
        #expect(plain.status == 0, "\(plain.stderr)")
        let sharded = try runProcess(
            xtal, ["run", try Self.pipeline(dir, docs: docs, run: dir.file("sharded"), shards: 3)])
        #expect(sharded.status == 0, "\(sharded.stderr)")
        #expect(sharded.stdout.contains("3 shards (local), then xtal stitch"), "\(sharded.stdout)")

        for file in ["crystals.h5", "graphs.h5", "embeddings.h5", "predictions.h5", "ranking.h5"] {
            let expected = try Self.contents(dir.file("plain/" + file))
            let found = try Self.contents(dir.file("sharded/" + file))
            #expect(!expected.isEmpty)
            #expect(found.keys.sorted() == expected.keys.sorted(), "\(file)")
            for (key, value) in expected where found[key] != value { Issue.record("\(file) \(key) differs") }
        }
        // The stitched files are views of the shards, which ran as 3 processes.
        let graphs = try StoreFile.open(dir.file("sharded/graphs.h5")).root
        #expect(try graphs.dataset("edge_src").isVirtual)
        #expect(!(try graphs.dataset("edge_ptr").isVirtual))
        #expect(
            try graphs.stringArrayAttribute(StoreFile.stitchedShardsAttribute) == [
                "shards/graphs/0-of-3.h5", "shards/graphs/1-of-3.h5", "shards/graphs/2-of-3.h5",
            ])
        // A second run finds every step up to date.
        let again = try runProcess(
            xtal, ["run", try Self.pipeline(dir, docs: docs, run: dir.file("sharded"), shards: 3)])
        #expect(again.stdout.contains("nothing to do"), "\(again.stdout)")
    }

    @Test func mpirunLauncherRunsShardsAsRanks() throws {
        let dir = try TemporaryDirectory()
        let docs = try Self.writeDocumentFiles(dir, count: 24)
        var files: [String: [String: String]] = [:]
        for (run, shards) in [("plain", 1), ("ranks", 3)] {
            let sharding = shards > 1 ? ", shards: \(shards)" : ""
            let text = """
                version: 1
                run: \(dir.file(run))
                stages:
                  ingest: {inputs: \(docs), quiet: true\(sharding)}
                  graph: {cutoff: 6, quiet: true\(sharding)}
                """
            try text.write(toFile: dir.file("\(run).yaml"), atomically: true, encoding: .utf8)
            let result = try runProcess(
                PipelineRunTests.xtal, ["run", dir.file("\(run).yaml"), "--launcher", "mpirun"])
            #expect(result.status == 0, "\(result.stderr)")
            if shards > 1 { #expect(result.stdout.contains("3 shards (mpirun)"), "\(result.stdout)") }
            files[run] = try Self.contents(dir.file("\(run)/graphs.h5"))
        }
        #expect(files["ranks"] == files["plain"])
        // Each rank found its shard in Open MPI's environment.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.file("ranks/shards/graphs")).sorted()
        #expect(names == ["0-of-3.h5", "1-of-3.h5", "2-of-3.h5"])
    }

    /// Builds graphs for a 12-crystal store in `dir` as the shards `indices` of `count`.
    static func graphShards(_ dir: TemporaryDirectory, _ indices: [Int], of count: Int) throws {
        let graph = try GraphCommand.parse(["--store", dir.path, "--quiet"])
        for index in indices {
            _ = try GraphStage(
                parameters: try #require(graph.parameters), options: graph.common,
                shard: Shard(index: index, count: count)
            ).run()
        }
    }

    @Test func stitchingNamesAMissingOrPartialShard() throws {
        let dir = try TemporaryDirectory()
        try TrainStageTests.makeStore(dir, count: 12)
        try FileManager.default.removeItem(atPath: dir.file("graphs.h5"))
        try Self.graphShards(dir, [0, 2], of: 3)
        let stitch = Stitch(directory: try RunDirectory(dir.path), fileName: "graphs.h5")
        #expect(throws: StitchError.missing("shards/graphs/1-of-3.h5")) { try stitch.run() }

        let partial = dir.file("shards/graphs/1-of-3.h5.partial")
        #expect(FileManager.default.createFile(atPath: partial, contents: Data("half".utf8)))
        #expect(throws: StitchError.partial("shards/graphs/1-of-3.h5.partial")) { try stitch.run() }
        #expect(!FileManager.default.fileExists(atPath: dir.file("graphs.h5")))

        // The shard run removes its own stale partial; then the stitched graphs read like unsharded ones.
        try Self.graphShards(dir, [1], of: 3)
        let summary = try stitch.run()
        #expect(summary.rows == 12 && summary.shards == 3)
        let expected = try Self.contents(dir.file("graphs.h5"))
        #expect(try GraphBatches(path: dir.file("graphs.h5")).ids.count == 12)

        // Shards of another count left beside them are refused, not mixed in.
        try Self.graphShards(dir, [0], of: 2)
        #expect(throws: StitchError.mixedCounts("shards/graphs", [2, 3])) { try stitch.run() }
        try FileManager.default.removeItem(atPath: dir.file("shards/graphs/0-of-2.h5"))

        // A stitched file whose shard went missing is refused when read, naming the shard.
        try FileManager.default.removeItem(atPath: dir.file("shards/graphs/2-of-3.h5"))
        #expect { try GraphBatches(path: dir.file("graphs.h5")) } throws: { error in
            "\(error)".contains("shard shards/graphs/2-of-3.h5 it reads is missing")
        }
        // An unsharded rerun replaces the stitched file and removes the shards.
        _ = try GraphStage(
            parameters: try #require(try GraphCommand.parse(["--store", dir.path]).parameters),
            options: try GraphCommand.parse(["--store", dir.path, "--quiet", "--force"]).common
        ).run()
        #expect(!FileManager.default.fileExists(atPath: dir.file("shards/graphs")))
        #expect(try Self.contents(dir.file("graphs.h5")) == expected)
    }

    @Test func duplicateIDsAcrossShardsAreRejectedAsUnshardedIngestDoes() throws {
        let dir = try TemporaryDirectory()
        let folder = dir.file("docs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let cell =
            #"{"lattice": {"matrix": [[4,0,0],[0,4,0],[0,0,4]]}, "sites": ["#
            + #"{"species": [{"element": "Cs", "occu": 1}], "abc": [0,0,0]}, "#
            + #"{"species": [{"element": "Cl", "occu": 1}], "abc": [0.5,0.5,0.5]}]}"#
        for (file, ids) in [("a.json", ["mp-1", "mp-2"]), ("b.json", ["mp-3", "mp-1"])] {
            let documents = ids.map { #"{"material_id": "\#($0)", "structure": \#(cell)}"# }
            try ("[" + documents.joined(separator: ",") + "]").write(
                toFile: "\(folder)/\(file)", atomically: true, encoding: .utf8)
        }
        for (run, shards) in [("plain", 1), ("sharded", 2)] {
            let command = try IngestCommand.parse([folder, "--store", dir.file(run), "--quiet"])
            for index in 0..<shards {
                _ = try Ingest(
                    parameters: command.parameters, options: command.common,
                    shard: shards > 1 ? Shard(index: index, count: shards) : nil
                ).run()
            }
        }
        let summary = try Stitch(directory: try RunDirectory(dir.file("sharded")), fileName: "crystals.h5").run()
        #expect(summary.excluded == 1 && summary.rows == 3)
        let plain = try Self.contents(dir.file("plain/crystals.h5"))
        let sharded = try Self.contents(dir.file("sharded/crystals.h5"))
        #expect(sharded == plain)
        let reasons = try StoreFile.open(dir.file("sharded/crystals.h5")).root.group("rejects").readStrings("reason")
        #expect(reasons == ["duplicate id 'mp-1' (first seen in \(folder)/a.json:0)"])
    }

    @Test func shardsComeFromTheOptionOrTheLauncher() throws {
        #expect(Shard(parsing: "2/3") == Shard(index: 2, count: 3))
        for bad in ["3/3", "-1/2", "1", "a/b", "1/0"] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
        let slurm = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "3"]
        #expect(Shard.fromEnvironment(slurm) == Shard(index: 2, count: 4))
        #expect(
            Shard.fromEnvironment(["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2"])
                == Shard(index: 1, count: 2))
        #expect(Shard.fromEnvironment(["PMI_RANK": "0", "PMI_SIZE": "3"]) == Shard(index: 0, count: 3))
        #expect(Shard.fromEnvironment(["SLURM_PROCID": "3", "SLURM_NTASKS": "4"]) == Shard(index: 3, count: 4))
        #expect(Shard.fromEnvironment([:]) == nil)
        #expect(throws: ShardError.noLauncher) { try Shard.resolve("auto", environment: [:]) }
        // Shards tile the items in order, sizes within one.
        for total in [0, 1, 5, 48, 1001] {
            for count in 1...7 {
                let ranges = (0..<count).map { Shard(index: $0, count: count).range(of: total) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == total)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect((ranges.map(\.count).max() ?? 0) - (ranges.map(\.count).min() ?? 0) <= 1)
            }
        }
        // Ingest shards split the files by bytes, in order, each file read once.
        let sizes = [("a", 10), ("b", 10), ("c", 100), ("d", 10)]
        let dir = try TemporaryDirectory()
        let files = try sizes.map { name, size in
            let path = dir.file(name)
            try Data(count: size).write(to: URL(fileURLWithPath: path))
            return path
        }
        let shares = (0..<3).map { Ingest.shardFiles(files, shard: Shard(index: $0, count: 3)) }
        #expect(shares == [0..<3, 3..<3, 3..<4])
    }

    @Test func onlyShardableStagesTakeShards() throws {
        let text = "version: 1\nrun: r\nstages:\n  train:\n    shards: 2\n"
        #expect {
            try PipelineSpec(file: "p.yaml", text: text, catalogue: StageCatalogue.all)
        } throws: { error in
            "\(error)".contains("p.yaml:5: unknown key 'shards' for stage train")
                && "\(error)".contains("only ingest, graph, embed and predict shard")
        }
        let zero = "version: 1\nrun: r\nstages:\n  graph:\n    shards: 0\n"
        #expect { try PipelineSpec(file: "p.yaml", text: zero, catalogue: StageCatalogue.all) } throws: { error in
            "\(error)".contains("'shards' must be at least 1")
        }
        // shards is the runner's: not a flag of the stage, not part of the step's parameters.
        let spec = try PipelineSpec(
            file: "p.yaml", text: "version: 1\nrun: r\nstages:\n  graph: {cutoff: 6, shards: 3}\n",
            catalogue: StageCatalogue.all)
        let step = try #require(spec.steps.first)
        #expect(step.processes == 3)
        #expect(step.arguments(runDirectory: "r", jobs: nil, force: false) == ["--store", "r", "--cutoff", "6"])
        let unsharded = try PipelineSpec(
            file: "p.yaml", text: "version: 1\nrun: r\nstages:\n  graph: {cutoff: 6}\n", catalogue: StageCatalogue.all)
        #expect(unsharded.steps.first?.parameterHash == step.parameterHash)
    }
}
