/// Which steps of a pipeline run, and why: the `--dry-run` output, the runner's to-do list, `xtal status`.
///
/// A step runs when it never completed, its parameters, stage version or tool changed, an input changed or is
/// rebuilt by a step that runs, or an output is missing or was changed after the step wrote it (DESIGN.md §5).
public struct PipelinePlan: Sendable {
    /// Which steps the user asked for.
    public struct Selection: Sendable {
        /// Run every selected step, up to date or not.
        public var force = false
        /// Only these steps (empty: all).
        public var only: [String] = []
        /// These steps, forced, and every step downstream of them (empty: all).
        public var from: [String] = []

        public init(force: Bool = false, only: [String] = [], from: [String] = []) {
            self.force = force
            self.only = only
            self.from = from
        }
    }

    /// The decision for one step.
    public struct Decision: Sendable {
        public let step: PipelineStep
        public let files: StageSchema.Files
        public let runs: Bool
        /// Why it runs, or why not (`up to date`, `not selected`).
        public let reasons: [String]
        /// Set when the step cannot run: a required input is missing and no step makes it.
        public let blocked: String?
    }

    /// Decisions in run order.
    public let decisions: [Decision]

    /// Plans `graph` against the last run's `lock`.
    ///
    /// - Parameters:
    ///   - graph: the ordered steps.
    ///   - lock: the lock of the last run, if any.
    ///   - tools: each stage's tool identity (`PipelineLock.Entry.tool`), by stage kind.
    ///   - selection: the steps asked for.
    ///   - hash: the content hash of a path, `nil` when nothing is there.
    /// - Throws: `PipelineError.invalidConfiguration` for a selected step name the pipeline lacks; errors of `hash`.
    public init(
        graph: PipelineGraph, lock: PipelineLock?, tools: [String: String], selection: Selection,
        hash: (String) throws -> String?
    ) throws {
        let names = Set(graph.steps.map(\.name))
        for name in selection.only + selection.from where !names.contains(name) {
            throw PipelineError.invalidConfiguration(
                "no step '\(name)' in the pipeline (steps: \(graph.steps.map(\.name).joined(separator: ", ")))")
        }
        let fromSet = Set(selection.from)
        let selected: Set<String> =
            if !selection.only.isEmpty { Set(selection.only) } else if !fromSet.isEmpty {
                fromSet.union(graph.downstream(of: fromSet))
            } else { names }
        var cache: [String: String?] = [:]
        func contentHash(_ path: String) throws -> String? {
            if let known = cache[path] { return known }
            let value = try hash(path)
            cache[path] = value
            return value
        }

        var running: Set<String> = []
        var decisions: [Decision] = []
        for step in graph.steps {
            let files = graph.files[step.name] ?? .init(inputs: [], outputs: [])
            var reasons: [String] = []
            var blocked: String?
            let entry = lock?.steps[step.name]
            for input in files.inputs {
                let producers = graph.producers(of: input.path).filter { $0 != step.name }
                let rebuilt = producers.filter(running.contains)
                if !rebuilt.isEmpty {
                    reasons.append("input \(input.path) is rebuilt by \(rebuilt.joined(separator: ", "))")
                }
                let current = try contentHash(input.path)
                if current == nil && producers.isEmpty {
                    if !input.optional { blocked = "input \(input.path) is missing and no step makes it" }
                    if entry?.inputs[input.path] != nil { reasons.append("input \(input.path) was removed") }
                    continue
                }
                if let entry, let current, rebuilt.isEmpty, entry.inputs[input.path] != current {
                    reasons.append(
                        entry.inputs[input.path] == nil ? "new input \(input.path)" : "input \(input.path) changed")
                }
            }
            if let entry {
                if entry.stage != step.schema.kind || entry.parameters != step.parameterHash {
                    reasons.insert("parameters changed", at: 0)
                }
                if let tool = tools[step.schema.kind], entry.tool != tool {
                    reasons.insert("tool changed (\(tool))", at: 0)
                }
                for output in files.outputs {
                    guard let current = try contentHash(output) else {
                        reasons.append("output \(output) is missing")
                        continue
                    }
                    if entry.outputs[output] != current {
                        reasons.append("output \(output) changed since it was written")
                    }
                }
            } else {
                reasons.insert("never ran", at: 0)
            }
            let isSelected = selected.contains(step.name)
            var runs = isSelected && !reasons.isEmpty
            if isSelected && (selection.force || fromSet.contains(step.name)) {
                if reasons.isEmpty { reasons.append(selection.force ? "forced (--force)" : "forced (--from)") }
                runs = true
            }
            if !isSelected {
                reasons =
                    reasons.isEmpty
                    ? ["up to date (not selected)"] : ["not selected; stale: " + reasons.joined(separator: "; ")]
            } else if reasons.isEmpty {
                reasons = ["up to date"]
            }
            if runs { running.insert(step.name) }
            decisions.append(Decision(step: step, files: files, runs: runs, reasons: reasons, blocked: blocked))
        }
        self.decisions = decisions
    }

    /// The steps that run, in order.
    public var toRun: [Decision] { decisions.filter(\.runs) }
}
