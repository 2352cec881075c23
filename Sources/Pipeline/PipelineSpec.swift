import Foundation
import Yams

/// A pipeline file (docs/pipeline-file.md): the run directory and the steps that fill it, in file order.
///
/// ```yaml
/// version: 1
/// run: runs/demo
/// stages:
///   ingest: {inputs: data/matbench_dielectric.json.gz}
///   graph: {cgcnn-compat: true}
///   train-gap: {stage: train, name: gap, targets: band_gap}
/// ```
///
/// Paths are relative to the directory `xtal run` is started in, as on a command line.
public struct PipelineSpec: Sendable {
    /// The pipeline file versions this build reads.
    public static let supportedVersions = [1]

    /// The pipeline file's path.
    public let file: String
    /// The run directory every step writes into.
    public let runDirectory: String
    /// Worker threads for every step that does not set its own `jobs`.
    public let jobs: Int?
    /// The steps in file order.
    public let steps: [PipelineStep]

    /// Reads and checks the pipeline file at `path` against the stages in `catalogue`.
    ///
    /// - Throws: `PipelineFileError` naming the line of an unknown key, a wrong value or a missing stage;
    ///   `PipelineError.io` when the file cannot be read.
    public init(contentsOf path: String, catalogue: [StageSchema]) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.io(path: path, message: "cannot read the pipeline file")
        }
        try self.init(file: path, text: String(decoding: data, as: UTF8.self), catalogue: catalogue)
    }

    /// Parses pipeline text; `file` names it in errors.
    public init(file: String, text: String, catalogue: [StageSchema]) throws {
        self.file = file
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw PipelineFileError(
                file: file, line: 0, "not valid YAML: \(error)".replacingOccurrences(of: "\n", with: " "))
        }
        guard let root, let top = root.mapping else {
            throw PipelineFileError(file: file, line: root?.mark?.line ?? 0, "expected a mapping with run: and stages:")
        }
        let reader = NodeReader(file: file)
        var version: Int?
        var run: String?
        var jobs: Int?
        var stagesNode: Node?
        for (keyNode, value) in top {
            let key = try reader.key(keyNode)
            switch key {
            case "version": version = try reader.integer(value, key: key)
            case "run": run = try reader.scalar(value, key: key)
            case "jobs": jobs = try reader.integer(value, key: key)
            case "stages": stagesNode = value
            default:
                throw PipelineFileError(
                    file: file, line: reader.line(keyNode),
                    "unknown key '\(key)' (a pipeline file has version, run, jobs and stages)")
            }
        }
        guard let version else { throw PipelineFileError(file: file, line: 0, "missing 'version: 1'") }
        guard Self.supportedVersions.contains(version) else {
            throw PipelineFileError(
                file: file, line: reader.line(root),
                "pipeline file version \(version) is not supported (this xtal reads 1)")
        }
        guard let run, !run.isEmpty else {
            throw PipelineFileError(file: file, line: 0, "missing 'run: RUN_DIR' (the run directory)")
        }
        if let jobs, jobs < 1 { throw PipelineFileError(file: file, line: 0, "jobs must be at least 1") }
        guard let stagesNode, let stages = stagesNode.mapping, !stages.isEmpty else {
            throw PipelineFileError(
                file: file, line: stagesNode.map(reader.line) ?? 0, "'stages' must map step names to their parameters")
        }
        runDirectory = run
        self.jobs = jobs
        steps = try stages.map { try reader.step(name: $0.key, body: $0.value, catalogue: catalogue) }
    }
}

/// Reads pipeline-file nodes into checked values; every error names the file and line.
private struct NodeReader {
    let file: String

    func line(_ node: Node) -> Int { node.mark?.line ?? 0 }

    func fail(_ node: Node, _ message: String) -> PipelineFileError {
        PipelineFileError(file: file, line: line(node), message)
    }

    func key(_ node: Node) throws -> String {
        guard let text = node.scalar?.string else { throw fail(node, "keys must be plain names") }
        return text
    }

    func scalar(_ node: Node, key: String) throws -> String {
        guard let scalar = node.scalar, node.null == nil || scalar.style != .plain else {
            throw fail(node, "'\(key)' needs a value")
        }
        return scalar.string
    }

    func integer(_ node: Node, key: String) throws -> Int {
        guard node.scalar != nil, let value = node.int else {
            throw fail(node, "'\(key)' must be a whole number, not '\(node.string ?? "a list")'")
        }
        return value
    }

    func list(_ node: Node, key: String) throws -> [String] {
        if let sequence = node.sequence {
            return try sequence.map { try scalar($0, key: key) }
        }
        return [try scalar(node, key: key)]
    }

    /// The step `name: body`, its stage named by `stage:` or by its own name.
    func step(name nameNode: Node, body: Node, catalogue: [StageSchema]) throws -> PipelineStep {
        let name = try key(nameNode)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw fail(nameNode, "step name '\(name)' must be letters, digits, '-' and '_'")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        if let mapping = body.mapping {
            entries = try mapping.map { (try key($0.key), $0.key, $0.value) }
        } else if body.null == nil {
            throw fail(body, "step '\(name)' must map parameter names to values")
        }
        let kind = try entries.first { $0.key == "stage" }.map { try scalar($0.value, key: "stage") } ?? name
        let kinds = catalogue.map(\.kind)
        guard let schema = catalogue.first(where: { $0.kind == kind }) else {
            let hint = entries.contains { $0.key == "stage" } ? "" : " (name the stage with 'stage: KIND')"
            throw fail(
                nameNode, "step '\(name)': unknown stage '\(kind)'\(hint); stages are \(kinds.joined(separator: ", "))")
        }
        var settings: [PipelineStep.Setting] = []
        for entry in entries where entry.key != "stage" {
            guard let parameter = schema.parameter(entry.key) else {
                let known = (schema.parameters + StageSchema.common + [schema.processCount].compactMap { $0 })
                    .map(\.key).sorted()
                let hint =
                    switch entry.key {
                    case "shards": "; only ingest, graph, embed and predict shard"
                    case "ranks": "; only train and pretrain run as MPI ranks"
                    default: ""
                    }
                throw fail(
                    entry.keyNode,
                    "unknown key '\(entry.key)' for stage \(kind) (it takes \(known.joined(separator: ", ")))\(hint)")
            }
            if StageSchema.processKeys.contains(parameter.key), try integer(entry.value, key: parameter.key) < 1 {
                throw fail(entry.value, "'\(parameter.key)' must be at least 1")
            }
            settings.append(.init(key: entry.key, value: try value(entry.value, parameter: parameter)))
        }
        return PipelineStep(name: name, schema: schema, line: line(nameNode), settings: settings)
    }

    /// `node` checked and written canonically for `parameter`.
    func value(_ node: Node, parameter: StageSchema.Parameter) throws -> ParameterValue {
        let key = parameter.key
        switch parameter.kind {
        case .string:
            return .scalar(try scalar(node, key: key))
        case .integer:
            return .scalar(String(try integer(node, key: key)))
        case .number:
            if node.scalar != nil, let whole = node.int { return .scalar(String(whole)) }
            guard node.scalar != nil, let number = node.float, number.isFinite else {
                throw fail(node, "'\(key)' must be a number, not '\(node.string ?? "a list")'")
            }
            return .scalar(String(number))
        case .flag:
            guard node.scalar != nil, let on = node.bool else {
                throw fail(node, "'\(key)' must be true or false, not '\(node.string ?? "a list")'")
            }
            return .flag(on)
        case .repeated, .commaList, .positional:
            return .list(try list(node, key: key))
        }
    }
}
