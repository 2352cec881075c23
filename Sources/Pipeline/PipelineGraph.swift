/// The steps of a pipeline ordered by what they read and write.
///
/// A step depends on the step that writes a file it reads. Two steps writing one file, and cycles, are errors.
/// The order is topological, ties kept in file order, so the same file always runs in the same order.
public struct PipelineGraph: Sendable {
    /// The steps in the order they run.
    public let steps: [PipelineStep]
    /// Each step's files, by step name.
    public let files: [String: StageSchema.Files]
    /// The steps each step reads from, by step name.
    public let upstream: [String: Set<String>]
    /// The step writing each output path.
    public let producer: [String: String]

    /// Orders `spec`'s steps.
    ///
    /// - Throws: `PipelineFileError` for duplicate step outputs or a cycle.
    public init(_ spec: PipelineSpec) throws {
        var files: [String: StageSchema.Files] = [:]
        var producer: [String: String] = [:]
        for step in spec.steps {
            let stepFiles = step.files(runDirectory: spec.runDirectory)
            files[step.name] = stepFiles
            for output in stepFiles.outputs {
                if let other = producer[output] {
                    throw PipelineFileError(
                        file: spec.file, line: step.line,
                        "steps '\(other)' and '\(step.name)' both write \(output); give one a different output (e.g. name:)"
                    )
                }
                producer[output] = step.name
            }
        }
        var upstream: [String: Set<String>] = [:]
        for step in spec.steps {
            let reads = files[step.name]?.inputs.flatMap { Self.producers(of: $0.path, in: producer) } ?? []
            upstream[step.name] = Set(reads.filter { $0 != step.name })
        }
        // Kahn's algorithm, always taking the first ready step in file order.
        var remaining = spec.steps
        var done: Set<String> = []
        var ordered: [PipelineStep] = []
        while !remaining.isEmpty {
            guard let next = remaining.firstIndex(where: { upstream[$0.name, default: []].isSubset(of: done) }) else {
                let cycle = remaining.map(\.name).joined(separator: ", ")
                throw PipelineFileError(
                    file: spec.file, line: remaining[0].line,
                    "steps \(cycle) read each other's outputs in a cycle; no order can run them")
            }
            let step = remaining.remove(at: next)
            ordered.append(step)
            done.insert(step.name)
        }
        steps = ordered
        self.files = files
        self.upstream = upstream
        self.producer = producer
    }

    /// The steps writing `path`: its producer, or for a folder input (a path ending in `/`, such as
    /// `run/models/`) every step writing inside it.
    public func producers(of path: String) -> [String] { Self.producers(of: path, in: producer) }

    private static func producers(of path: String, in producer: [String: String]) -> [String] {
        guard path.hasSuffix("/") else { return producer[path].map { [$0] } ?? [] }
        return producer.filter { $0.key.hasPrefix(path) }.map(\.value).sorted()
    }

    /// Every step that reads, directly or not, from one of `names` (not including them).
    public func downstream(of names: Set<String>) -> Set<String> {
        var found: Set<String> = []
        for step in steps where !upstream[step.name, default: []].isDisjoint(with: names.union(found)) {
            found.insert(step.name)
        }
        return found
    }
}
