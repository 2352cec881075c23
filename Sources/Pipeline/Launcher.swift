import Foundation

/// How `xtal run` starts a step's processes (`--launcher local|mpirun|slurm`).
///
/// An unsharded step runs as one child process (local, mpirun), or as a one-task Slurm job the runner waits
/// for (slurm). A training step with `ranks: N` runs as N MPI ranks: `mpirun -np N` (local, mpirun), or a job
/// of N tasks running `mpirun` (slurm). A step with `shards: N` runs N shard processes, each given `--shard`: local starts them at
/// once on this machine, each with its share of the cores; mpirun starts N ranks (`--shard auto` reads the
/// rank); slurm writes and submits an N-task job array and a stitch job depending on all of it (`afterok`),
/// and waits for the stitch job. Local and mpirun shards are stitched by the runner afterwards. Job scripts
/// and Slurm's logs go to `RUN_DIR/slurm/`.
public struct Launcher: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case local, mpirun, slurm
    }

    public let kind: Kind
    /// Extra `sbatch` options (`--partition=short`, `--time=1:00:00`), for every job (slurm).
    public var sbatchOptions: [String] = []
    /// Extra `mpirun` options (`--hostfile hosts`) (mpirun).
    public var mpirunOptions: [String] = []
    /// Cores each local shard may use when the step sets no `jobs`: this machine's, shared out.
    public var cores = ProcessInfo.processInfo.activeProcessorCount

    public init(kind: Kind) { self.kind = kind }

    /// A command: the executable's path and its arguments.
    public struct Command: Sendable {
        public var executable: String
        public var arguments: [String]

        public init(_ executable: String, _ arguments: [String]) {
            self.executable = executable
            self.arguments = arguments
        }

        /// The command as a shell line.
        var line: String { PipelineRunner.shellQuoted([executable] + arguments) }
    }

    /// Runs one unsharded step; nil on success, else how it ended.
    func run(_ command: Command, step: String, runDirectory: String) throws -> String? {
        switch kind {
        case .local, .mpirun:
            return try Self.wait(try Self.start(command))
        case .slurm:
            let script = try writeScript(
                step: step, runDirectory: runDirectory, suffix: "", array: nil, body: "exec \(command.line)")
            return try waitForJob([script])
        }
    }

    /// Runs `count` shards of a step (`command` plus `--shard`), then `stitch`; nil on success, else how it ended.
    func runShards(
        _ command: Command, count: Int, setsJobs: Bool, stitch: Command, step: String, runDirectory: String
    ) throws -> String? {
        switch kind {
        case .local:
            let jobs = jobsFlag(sharing: count, setsJobs: setsJobs)
            let processes = try (0..<count).map { index in
                try Self.start(
                    Command(command.executable, command.arguments + jobs + ["--shard", "\(index)/\(count)"]))
            }
            var failures: [String] = []
            for (index, process) in processes.enumerated() {
                if let outcome = try Self.wait(process) { failures.append("shard \(index)/\(count) \(outcome)") }
            }
            if !failures.isEmpty { return failures.joined(separator: "; ") }
            return try Self.wait(try Self.start(stitch))
        case .mpirun:
            let ranks = Command(
                command.executable,
                command.arguments + jobsFlag(sharing: count, setsJobs: setsJobs) + ["--shard", "auto"])
            if let outcome = try Self.wait(try Self.start(try mpirun(ranks, ranks: count))) {
                return "mpirun \(outcome)"
            }
            return try Self.wait(try Self.start(stitch))
        case .slurm:
            let shards = Command(command.executable, command.arguments + ["--shard", "auto"])
            let array = try writeScript(
                step: step, runDirectory: runDirectory, suffix: "", array: count, body: "exec \(shards.line)")
            let submitted = try sbatch([array])
            if let failure = submitted.failure { return failure }
            let jobID = submitted.jobID
            let stitcher = try writeScript(
                step: step, runDirectory: runDirectory, suffix: "-stitch", array: nil, body: "exec \(stitch.line)")
            let dependency = ["--dependency=afterok:\(jobID)", "--kill-on-invalid-dep=yes"]
            if let failure = try waitForJob(dependency + [stitcher]) {
                return "\(failure) (job array \(jobID): see \(runDirectory)/slurm/\(step)-*.out)"
            }
            return nil
        }
    }

    /// Runs a training step as `count` MPI ranks; nil on success, else how it ended.
    ///
    /// Local and mpirun: `mpirun -np N`; slurm: one job of N tasks running `mpirun`, which takes its ranks from
    /// the allocation. The stage must be built with the trait `MPI`: a build without refuses several ranks.
    func runRanks(_ command: Command, count: Int, setsJobs: Bool, step: String, runDirectory: String) throws
        -> String?
    {
        let ranks = Command(command.executable, command.arguments + jobsFlag(sharing: count, setsJobs: setsJobs))
        switch kind {
        case .local, .mpirun:
            return try Self.wait(try Self.start(try mpirun(ranks, ranks: count))).map { "mpirun \($0)" }
        case .slurm:
            let script = try writeScript(
                step: step, runDirectory: runDirectory, suffix: "", array: nil, tasks: count,
                body: "exec \(try mpirun(ranks, ranks: nil).line)")
            return try waitForJob([script])
        }
    }

    /// `--jobs` giving each of `count` processes its share of this machine's cores, unless the step sets its own.
    private func jobsFlag(sharing count: Int, setsJobs: Bool) -> [String] {
        setsJobs ? [] : ["--jobs", String(max(1, cores / count))]
    }

    /// `command` under `mpirun`: `-np ranks` (nil: as many as the Slurm allocation has tasks, `mpirun` found
    /// there), the extra options, `--allow-run-as-root` as root (Open MPI refuses root otherwise) and
    /// `--oversubscribe` past this machine's cores.
    private func mpirun(_ command: Command, ranks: Int?) throws -> Command {
        var arguments = ranks.map { ["-np", String($0)] } ?? []
        arguments += mpirunOptions
        if getuid() == 0 { arguments.append("--allow-run-as-root") }
        if let ranks, ranks > cores { arguments.append("--oversubscribe") }
        let launcher = ranks == nil ? "mpirun" : try Self.locate("mpirun")
        return Command(launcher, arguments + [command.executable] + command.arguments)
    }

    /// Writes `RUN_DIR/slurm/<step><suffix>.sbatch`, a job (array of `array` tasks, each of `tasks` tasks)
    /// running `body` in this directory, logging to `RUN_DIR/slurm/<step><suffix>-<task>.out`.
    func writeScript(
        step: String, runDirectory: String, suffix: String, array: Int?, tasks: Int = 1, body: String
    ) throws -> String {
        let folder = (runDirectory as NSString).appendingPathComponent("slurm")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = step + suffix
        var lines = [
            "#!/bin/bash",
            "# Written by xtal run --launcher slurm for step '\(step)'.",
            "#SBATCH --job-name=xtal-\(name)",
            "#SBATCH --chdir=\(FileManager.default.currentDirectoryPath)",
            "#SBATCH --ntasks=\(tasks)",
            "#SBATCH --output=\(folder)/\(name)-\(array == nil ? "%j" : "%a").out",
        ]
        if let array { lines.append("#SBATCH --array=0-\(array - 1)") }
        lines += ["set -euo pipefail", body, ""]
        let path = (folder as NSString).appendingPathComponent(name + ".sbatch")
        guard FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8)) else {
            throw PipelineError.io(path: path, message: "cannot write the job script")
        }
        return path
    }

    /// Submits a job with `sbatch --wait` and checks how it ended; nil when it completed.
    ///
    /// `sbatch --wait` exits 0 for a job cancelled before it ran (a stitch job whose shards failed, under
    /// `--kill-on-invalid-dep`), so the job's state is read back with `scontrol show job`, which needs no
    /// accounting database while Slurm remembers the job (`MinJobAge`, 300 s by default).
    private func waitForJob(_ arguments: [String]) throws -> String? {
        let submitted = try sbatch(["--wait"] + arguments)
        if let failure = submitted.failure { return failure }
        let jobID = submitted.jobID
        let query = try Self.output(of: Command(try Self.locate("scontrol"), ["show", "job", "-o", jobID]))
        guard query.failure == nil else { return nil }
        let fields = query.text.split(whereSeparator: \.isWhitespace)
        let state = fields.first { $0.hasPrefix("JobState=") }?.dropFirst("JobState=".count)
        let reason = fields.first { $0.hasPrefix("Reason=") }?.dropFirst("Reason=".count)
        guard let state, state != "COMPLETED" else { return nil }
        return "job \(jobID) ended \(state)" + (reason.map { $0 == "None" ? "" : " (\($0))" } ?? "")
    }

    /// Runs `sbatch --parsable` with the extra options and `arguments`: the job id (`--parsable` prints
    /// `ID[;CLUSTER]`), or how it failed.
    private func sbatch(_ arguments: [String]) throws -> (jobID: String, failure: String?) {
        let result = try Self.output(of: Command(try Self.locate("sbatch"), ["--parsable"] + sbatchOptions + arguments))
        let jobID = result.text.split(separator: ";").first.map(String.init) ?? result.text
        return (jobID, result.failure.map { "sbatch \(arguments.last ?? "") \($0)" })
    }

    /// Runs `command` to the end: its standard output, trimmed, and how it failed (nil for exit status 0).
    static func output(of command: Command) throws -> (text: String, failure: String?) {
        let process = try start(command, captureOutput: true)
        let output = (process.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        let failure = try wait(process)
        return (String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), failure)
    }

    /// `name` on `PATH`.
    ///
    /// - Throws: `PipelineError.io` when it is not installed.
    static func locate(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = (String(folder) as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PipelineError.io(path: name, message: "not found on PATH (needed by this --launcher)")
    }

    /// Starts `command` with inherited standard streams (standard output captured when asked).
    static func start(_ command: Command, captureOutput: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        if captureOutput { process.standardOutput = Pipe() }
        do {
            try process.run()
        } catch {
            throw PipelineError.io(path: command.executable, message: "cannot start: \(error.localizedDescription)")
        }
        return process
    }

    /// Waits for `process`; nil when it exited with status 0, else how it ended.
    static func wait(_ process: Process) throws -> String? {
        process.waitUntilExit()
        switch process.terminationReason {
        case .uncaughtSignal: return "was killed by signal \(process.terminationStatus)"
        case .exit where process.terminationStatus != 0: return "failed (exit status \(process.terminationStatus))"
        default: return nil
        }
    }
}
