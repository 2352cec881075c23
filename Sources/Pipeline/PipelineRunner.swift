import Foundation

/// Runs the steps a `PipelinePlan` selects, each as its own `xtal-<stage>` process with the flags a user would
/// type, and records each completed step in the lock file.
///
/// A step's outputs are written by the stage itself (`NAME.h5.partial`, renamed when complete), so a step that
/// fails or is killed leaves every earlier output as it was; the lock is rewritten after each completed step.
public struct PipelineRunner {
    /// Why a step did not complete.
    public struct StepFailure: Error, CustomStringConvertible, Sendable {
        public let step: String
        public let reason: String
        public var description: String {
            "step '\(step)' \(reason); the outputs of earlier steps are intact, and the next run starts from this step"
        }
    }

    public let spec: PipelineSpec
    public let graph: PipelineGraph
    /// The executable of each stage kind.
    public let executables: [String: String]
    /// Each stage kind's tool identity, recorded in the lock.
    public let tools: [String: String]
    /// How step processes start (`--launcher`); local by default.
    public var launcher = Launcher(kind: .local)
    /// The command that stitches a sharded output (`xtal stitch`), given the run directory and the output's
    /// file name.
    public var stitch = Launcher.Command("xtal", ["stitch"])
    /// Where progress lines go: standard output by default, flushed so they come before the stage's own lines.
    public var print: (String) -> Void = {
        FileHandle.standardOutput.write(Data(($0 + "\n").utf8))
    }

    public init(spec: PipelineSpec, graph: PipelineGraph, executables: [String: String], tools: [String: String]) {
        self.spec = spec
        self.graph = graph
        self.executables = executables
        self.tools = tools
    }

    /// The lock file's path.
    public var lockPath: String { (spec.runDirectory as NSString).appendingPathComponent(PipelineLock.fileName) }
    /// The log of every command run, appended to.
    public var logPath: String { (spec.runDirectory as NSString).appendingPathComponent("pipeline.log") }

    /// Runs the steps `plan` marks, in order.
    ///
    /// - Returns: the names of the steps that ran.
    /// - Throws: `StepFailure` for a step that exited with an error or was killed; `PipelineError` when a file
    ///   cannot be hashed or the lock cannot be written.
    @discardableResult
    public func run(_ plan: PipelinePlan) throws -> [String] {
        let toRun = plan.toRun
        for decision in toRun {
            if let blocked = decision.blocked {
                throw StepFailure(step: decision.step.name, reason: "cannot run: \(blocked)")
            }
        }
        try FileManager.default.createDirectory(atPath: spec.runDirectory, withIntermediateDirectories: true)
        var lock = PipelineLock(pipeline: spec.file, steps: try PipelineLock.read(lockPath)?.steps ?? [:])
        lock.steps = lock.steps.filter { name, _ in graph.steps.contains { $0.name == name } }
        lock.pipeline = spec.file
        var ran: [String] = []
        for (index, decision) in toRun.enumerated() {
            let step = decision.step
            guard let executable = executables[step.schema.kind] else {
                throw StepFailure(
                    step: step.name, reason: "cannot run: no xtal-\(step.schema.kind) next to xtal or on PATH")
            }
            let force = try decision.files.outputs.contains { try SHA256.hex(contentsAt: $0) != nil }
            let arguments = step.arguments(runDirectory: spec.runDirectory, jobs: spec.jobs, force: force)
            let command = ["xtal-\(step.schema.kind)"] + arguments
            print("[\(index + 1)/\(toRun.count)] \(step.name): \(decision.reasons.joined(separator: "; "))")
            print("$ " + Self.shellQuoted(command))
            var inputs: [String: String] = [:]
            for input in decision.files.inputs {
                if let hash = try SHA256.hex(contentsAt: input.path) { inputs[input.path] = hash }
            }
            let started = Date()
            appendLog("\(Self.timestamp(started)) \(step.name) start: \(Self.shellQuoted(command))")
            let outcome: String?
            let setsJobs = spec.jobs != nil || step.parameters["jobs"] != nil
            if step.processes > 1, step.schema.multiProcess == .ranks {
                print("  \(step.processes) MPI ranks (\(launcher.kind.rawValue))")
                outcome = try launcher.runRanks(
                    Launcher.Command(executable, arguments), count: step.processes, setsJobs: setsJobs, step: step.name,
                    runDirectory: spec.runDirectory)
            } else if step.processes > 1, let output = decision.files.outputs.first {
                let fileName = (output as NSString).lastPathComponent
                let folder = (spec.runDirectory as NSString).appendingPathComponent(
                    "shards/" + (fileName as NSString).deletingPathExtension)
                if FileManager.default.fileExists(atPath: folder) {
                    try? FileManager.default.removeItem(atPath: folder)
                }
                var stitch = self.stitch
                stitch.arguments += ["--quiet", spec.runDirectory, fileName]
                print("  \(step.processes) shards (\(launcher.kind.rawValue)), then xtal stitch")
                outcome = try launcher.runShards(
                    Launcher.Command(executable, arguments), count: step.processes, setsJobs: setsJobs, stitch: stitch,
                    step: step.name, runDirectory: spec.runDirectory)
            } else {
                outcome = try launcher.run(
                    Launcher.Command(executable, arguments), step: step.name, runDirectory: spec.runDirectory)
            }
            let seconds = String(format: "%.1f s", Date().timeIntervalSince(started))
            appendLog("\(Self.timestamp(Date())) \(step.name) \(outcome ?? "done") after \(seconds)")
            if let outcome { throw StepFailure(step: step.name, reason: outcome) }
            var outputs: [String: String] = [:]
            for output in decision.files.outputs {
                guard let hash = try SHA256.hex(contentsAt: output) else {
                    throw StepFailure(step: step.name, reason: "finished without writing \(output)")
                }
                outputs[output] = hash
            }
            lock.steps[step.name] = PipelineLock.Entry(
                stage: step.schema.kind, parameters: step.parameterHash, tool: tools[step.schema.kind] ?? "",
                command: command, inputs: inputs, outputs: outputs)
            try lock.write(lockPath)
            ran.append(step.name)
        }
        if toRun.isEmpty { print("nothing to do: every step is up to date (--force reruns them)") }
        return ran
    }

    private func appendLog(_ line: String) {
        guard let data = (line + "\n").data(using: .utf8) else { return }
        if let handle = FileHandle(forWritingAtPath: logPath) {
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: data)
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: logPath, contents: data)
        }
    }

    /// `date` in ISO 8601 UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// `words` as a POSIX shell command line: words with anything but safe characters single-quoted.
    public static func shellQuoted(_ words: [String]) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%")
        return words.map { word in
            if !word.isEmpty && word.allSatisfy(safe.contains) { return word }
            return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
