import Foundation
import Testing

@testable import Pipeline

/// Pipeline files, their DAG and plans, on made-up stages: `make` reads `source` (a file given as `input`) and
/// writes `RUN/made.txt`; `use` reads `RUN/made.txt` and writes `RUN/<name>.txt`; `loop` reads `RUN/<in>.txt`
/// and writes `RUN/<out>.txt`.
@Suite struct PipelineFileTests {
    static let catalogue: [StageSchema] = [
        StageSchema(
            kind: "make", version: 1,
            parameters: [
                .init("input", .positional), .init("size", .integer), .init("scale", .number), .init("fast", .flag),
            ]
        ) { parameters, run in
            .init(inputs: (parameters["input"]?.strings ?? []).map { .init($0) }, outputs: [run + "/made.txt"])
        },
        StageSchema(kind: "use", version: 1, parameters: [.init("name", .string), .init("tag", .repeated)]) {
            parameters, run in
            .init(
                inputs: [.init(run + "/made.txt"), .init(run + "/extra.txt", optional: true)],
                outputs: [run + "/\(parameters["name"]?.strings.first ?? "used").txt"])
        },
        StageSchema(kind: "loop", version: 1, parameters: [.init("in", .string), .init("out", .string)]) {
            parameters, run in
            .init(
                inputs: [.init(run + "/\(parameters["in"]?.strings.first ?? "").txt")],
                outputs: [run + "/\(parameters["out"]?.strings.first ?? "").txt"])
        },
    ]

    static func spec(_ text: String) throws -> PipelineSpec {
        try PipelineSpec(file: "p.yaml", text: text, catalogue: catalogue)
    }

    static func error(_ text: String) -> PipelineFileError? {
        do {
            _ = try PipelineGraph(try spec(text))
            return nil
        } catch let error as PipelineFileError {
            return error
        } catch {
            return PipelineFileError(file: "", line: -1, "\(error)")
        }
    }

    @Test func parsesStepsInFileOrderWithCanonicalValues() throws {
        let spec = try Self.spec(
            """
            version: 1
            run: out
            jobs: 2
            stages:
              use-b: {stage: use, name: b, tag: [x, "y z"]}
              make:
                input: src.txt
                size: 12
                scale: 1e-3
                fast: yes
            """)
        #expect(spec.runDirectory == "out" && spec.jobs == 2)
        #expect(spec.steps.map(\.name) == ["use-b", "make"])
        let make = spec.steps[1]
        #expect(make.parameters["scale"] == .scalar("0.001"))
        #expect(make.parameters["fast"] == .flag(true))
        #expect(
            make.arguments(runDirectory: "out", jobs: spec.jobs, force: true)
                == [
                    "--store", "out", "--size", "12", "--scale", "0.001", "--fast", "--jobs", "2", "--force", "src.txt",
                ])
        #expect(
            spec.steps[0].arguments(runDirectory: "out", jobs: nil, force: false)
                == ["--store", "out", "--name", "b", "--tag", "x", "--tag", "y z"])
        // The DAG puts make first although the file lists it second.
        #expect(try PipelineGraph(spec).steps.map(\.name) == ["make", "use-b"])
    }

    @Test func parameterHashIgnoresKeyOrderAndJobs() throws {
        let a = try Self.spec("version: 1\nrun: r\nstages:\n  make: {size: 3, scale: 2.5, jobs: 1}\n").steps[0]
        let b = try Self.spec("version: 1\nrun: r\nstages:\n  make: {scale: 2.50, size: 3}\n").steps[0]
        let c = try Self.spec("version: 1\nrun: r\nstages:\n  make: {scale: 2.5, size: 4}\n").steps[0]
        #expect(a.parameterHash == b.parameterHash)
        #expect(a.parameterHash != c.parameterHash)
    }

    @Test func mistakesNameTheirLine() {
        let cases: [(String, Int, String)] = [
            (
                "version: 1\nrun: r\nstages:\n  make:\n    size: 3\n    colour: red\n", 6,
                "unknown key 'colour' for stage make"
            ),
            ("version: 1\nrun: r\nstages:\n  make:\n    size: three\n", 5, "'size' must be a whole number"),
            ("version: 1\nrun: r\nstages:\n  make:\n    fast: maybe\n", 5, "'fast' must be true or false"),
            ("version: 1\nrun: r\nstages:\n  make: {}\n  bake: {}\n", 5, "unknown stage 'bake'"),
            ("version: 1\nrun: r\nrunn: x\nstages:\n  make: {}\n", 3, "unknown key 'runn'"),
            ("version: 2\nrun: r\nstages:\n  make: {}\n", 1, "version 2 is not supported"),
            ("version: 1\nstages:\n  make: {}\n", 0, "missing 'run: RUN_DIR'"),
            ("version: 1\nrun: r\nstages:\n  make: {}\n  make: {}\n", 0, "not valid YAML"),
            (
                "version: 1\nrun: r\nstages:\n  a: {stage: use, name: x}\n  b: {stage: use, name: x}\n", 5,
                "steps 'a' and 'b' both write r/x.txt"
            ),
            (
                "version: 1\nrun: r\nstages:\n  a: {stage: loop, in: p, out: q}\n  b: {stage: loop, in: q, out: p}\n",
                4,
                "steps a, b read each other's outputs in a cycle"
            ),
        ]
        for (text, line, message) in cases {
            let error = Self.error(text)
            #expect(error?.line == line, "\(text) → \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(text) → \(String(describing: error))")
        }
    }

    /// Plans on a real folder: hashes of files decide what is stale.
    @Test func planRerunsChangedStepsAndTheirDependants() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/r", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = "version: 1\nrun: \(dir)/r\nstages:\n  make: {input: \(dir)/src.txt}\n  use: {}\n"
        let graph = try PipelineGraph(try Self.spec(text))
        let tools = ["make": "make 1", "use": "use 1"]
        func plan(_ lock: PipelineLock?, _ selection: PipelinePlan.Selection = .init()) throws -> [String: [String]] {
            let plan = try PipelinePlan(
                graph: graph, lock: lock, tools: tools, selection: selection, hash: SHA256.hex(contentsAt:))
            return Dictionary(uniqueKeysWithValues: plan.decisions.map { ($0.step.name, $0.runs ? $0.reasons : []) })
        }
        // Nothing ran: the source is missing, so make is blocked.
        let first = try PipelinePlan(
            graph: graph, lock: nil, tools: tools, selection: .init(), hash: SHA256.hex(contentsAt:))
        #expect(first.decisions[0].blocked?.contains("src.txt is missing") == true)

        // Pretend both ran: write their files and a lock of them.
        try "source".write(toFile: dir + "/src.txt", atomically: true, encoding: .utf8)
        try "made".write(toFile: dir + "/r/made.txt", atomically: true, encoding: .utf8)
        try "used".write(toFile: dir + "/r/used.txt", atomically: true, encoding: .utf8)
        func hash(_ name: String) throws -> String { try #require(try SHA256.hex(contentsAt: dir + name)) }
        var lock = PipelineLock(pipeline: "p.yaml")
        lock.steps["make"] = .init(
            stage: "make", parameters: graph.steps[0].parameterHash, tool: "make 1", command: [],
            inputs: [dir + "/src.txt": try hash("/src.txt")], outputs: [dir + "/r/made.txt": try hash("/r/made.txt")])
        lock.steps["use"] = .init(
            stage: "use", parameters: graph.steps[1].parameterHash, tool: "use 1", command: [],
            inputs: [dir + "/r/made.txt": try hash("/r/made.txt")],
            outputs: [dir + "/r/used.txt": try hash("/r/used.txt")])
        #expect(try plan(lock) == ["make": [], "use": []])
        #expect(
            try plan(lock, .init(force: true)) == [
                "make": ["forced (--force)"], "use": ["input \(dir)/r/made.txt is rebuilt by make"],
            ])
        #expect(try plan(lock, .init(only: ["use"]))["make"] == [])
        #expect(try plan(lock, .init(from: ["use"])) == ["make": [], "use": ["forced (--from)"]])

        // A changed source reruns make, and use because make rebuilds its input.
        try "source 2".write(toFile: dir + "/src.txt", atomically: true, encoding: .utf8)
        #expect(
            try plan(lock) == [
                "make": ["input \(dir)/src.txt changed"], "use": ["input \(dir)/r/made.txt is rebuilt by make"],
            ])
        try "source".write(toFile: dir + "/src.txt", atomically: true, encoding: .utf8)

        // A deleted or edited output reruns its step only; a new optional input reruns its reader.
        try FileManager.default.removeItem(atPath: dir + "/r/used.txt")
        #expect(try plan(lock) == ["make": [], "use": ["output \(dir)/r/used.txt is missing"]])
        try "edited".write(toFile: dir + "/r/used.txt", atomically: true, encoding: .utf8)
        #expect(try plan(lock)["use"] == ["output \(dir)/r/used.txt changed since it was written"])
        try "used".write(toFile: dir + "/r/used.txt", atomically: true, encoding: .utf8)
        try "extra".write(toFile: dir + "/r/extra.txt", atomically: true, encoding: .utf8)
        #expect(try plan(lock)["use"] == ["new input \(dir)/r/extra.txt"])
        try FileManager.default.removeItem(atPath: dir + "/r/extra.txt")

        // A new tool or parameters rerun the step.
        var newTool = tools
        newTool["use"] = "use 2"
        let retooled = try PipelinePlan(
            graph: graph, lock: lock, tools: newTool, selection: .init(), hash: SHA256.hex(contentsAt:))
        #expect(retooled.decisions[1].reasons == ["tool changed (use 2)"])
        lock.steps["make"]?.parameters = "other"
        #expect(try plan(lock)["make"] == ["parameters changed"])

        // The lock text is deterministic: sorted keys, whatever the insertion order.
        var reordered = PipelineLock(pipeline: "p.yaml")
        reordered.steps["use"] = lock.steps["use"]
        reordered.steps["make"] = lock.steps["make"]
        #expect(try reordered.encoded() == lock.encoded())
        #expect(throws: PipelineError.self) {
            try PipelinePlan(
                graph: graph, lock: lock, tools: tools, selection: .init(only: ["nope"]), hash: SHA256.hex(contentsAt:))
        }
    }

    @Test func folderHashesFollowContentsNotLocation() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fold-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        for folder in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(folder)/sub", withIntermediateDirectories: true)
            try "1".write(toFile: "\(base)/\(folder)/x.cif", atomically: true, encoding: .utf8)
            try "2".write(toFile: "\(base)/\(folder)/sub/y.cif", atomically: true, encoding: .utf8)
        }
        #expect(try SHA256.hex(contentsAt: base + "/a") == SHA256.hex(contentsAt: base + "/b"))
        try "3".write(toFile: "\(base)/b/sub/y.cif", atomically: true, encoding: .utf8)
        #expect(try SHA256.hex(contentsAt: base + "/a") != SHA256.hex(contentsAt: base + "/b"))
        #expect(try SHA256.hex(contentsAt: base + "/none") == nil)
    }

    @Test func shellQuoting() {
        #expect(
            PipelineRunner.shellQuoted(["xtal-rank", "--where", "band_gap >= 1.5", "it's"])
                == #"xtal-rank --where 'band_gap >= 1.5' 'it'\''s'"#)
    }
}
