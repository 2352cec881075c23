import ArgumentParser
import Foundation
import Pipeline

/// `xtal run PIPELINE.yaml`: runs the steps of a pipeline file that are not up to date.
public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal run",
        abstract: "Run the stale steps of a pipeline file, each as its own xtal-<stage> process.",
        discussion: """
            A step runs when it never completed, its parameters or its stage's executable changed, one of its \
            inputs changed or is rebuilt by an earlier step, or one of its outputs is missing or was changed. \
            Hashes of what each step read and wrote are kept in RUN_DIR/pipeline.lock.json; every command run \
            is printed and appended to RUN_DIR/pipeline.log. Paths in the pipeline file are relative to the \
            directory xtal run is started in. See docs/pipeline-file.md.
            """,
        version: "xtal \(XtalVersion.current)"
    )

    @Argument(help: ArgumentHelp("The pipeline file (YAML).", valueName: "PIPELINE.yaml"))
    var pipeline: String

    @Option(help: ArgumentHelp("Consider only this step (repeatable).", valueName: "STEP"))
    var only: [String] = []

    @Option(help: ArgumentHelp("Rerun this step and every step downstream of it (repeatable).", valueName: "STEP"))
    var from: [String] = []

    @Flag(help: "Run the selected steps even when they are up to date.")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Print the plan, and why each step runs or not, without running.")
    var dryRun = false

    @Option(
        help: ArgumentHelp(
            "How steps start: local (this machine), mpirun (shards as MPI ranks) or slurm (each step a job; shards "
                + "a job array and a dependent stitch job).", valueName: "KIND"))
    var launcher = "local"

    @Option(
        name: .customLong("sbatch-option"),
        help: ArgumentHelp("An option for every sbatch (--launcher slurm), e.g. --partition=short.", valueName: "OPT"))
    var sbatchOptions: [String] = []

    public init() {}

    public func validate() throws {
        if !only.isEmpty && !from.isEmpty { throw ValidationError("--only and --from cannot be combined") }
        guard Launcher.Kind(rawValue: launcher) != nil else {
            throw ValidationError("--launcher must be local, mpirun or slurm, not '\(launcher)'")
        }
    }

    public func run() throws {
        do {
            let spec = try PipelineSpec(contentsOf: pipeline, catalogue: StageCatalogue.all)
            let graph = try PipelineGraph(spec)
            let tools = try StageTools(kinds: spec.steps.map(\.schema.kind))
            var runner = PipelineRunner(
                spec: spec, graph: graph, executables: tools.executables, tools: tools.identities)
            runner.launcher = Launcher(kind: Launcher.Kind(rawValue: launcher) ?? .local)
            runner.launcher.sbatchOptions = sbatchOptions
            runner.stitch = Launcher.Command(tools.xtal, ["stitch"])
            let plan = try PipelinePlan(
                graph: graph, lock: try PipelineLock.read(runner.lockPath), tools: tools.identities,
                selection: .init(force: force, only: only, from: from), hash: SHA256.hex(contentsAt:))
            if dryRun {
                print(Self.describe(plan, spec: spec))
                return
            }
            let started = Date()
            let ran = try runner.run(plan)
            if !ran.isEmpty {
                print(
                    String(
                        format: "%@: %d step%@ run in %.1f s → %@", spec.file, ran.count, ran.count == 1 ? "" : "s",
                        Date().timeIntervalSince(started), runner.lockPath))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("xtal run: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The plan as `--dry-run` prints it: one line per step with its decision and reasons, and the command it
    /// would run.
    static func describe(_ plan: PipelinePlan, spec: PipelineSpec) -> String {
        var lines: [String] = []
        for decision in plan.decisions {
            let verb = decision.blocked != nil ? "blocked" : decision.runs ? "run" : "skip"
            lines.append(
                "\(verb.padding(toLength: 8, withPad: " ", startingAt: 0))\(decision.step.name): \(decision.reasons.joined(separator: "; "))"
            )
            if let blocked = decision.blocked { lines.append("        \(blocked)") }
            if decision.runs {
                let force = decision.files.outputs.contains { FileManager.default.fileExists(atPath: $0) }
                let arguments = decision.step.arguments(runDirectory: spec.runDirectory, jobs: spec.jobs, force: force)
                lines.append(
                    "        $ " + PipelineRunner.shellQuoted(["xtal-\(decision.step.schema.kind)"] + arguments))
            }
        }
        let count = plan.toRun.count
        lines.append("\(count) of \(plan.decisions.count) step\(plan.decisions.count == 1 ? "" : "s") would run")
        return lines.joined(separator: "\n")
    }
}
