import ArgumentParser
import Foundation

/// The `xtal` entry point.
///
/// `xtal <stage> …` runs the executable `xtal-<stage>` found next to `xtal` or on
/// `PATH`, as git runs `git-<cmd>`; built-in subcommands are listed in `configuration.subcommands`.
public struct XtalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal",
        abstract: "High-throughput screening of crystalline materials.",
        usage: "xtal <command> [<arguments>…]",
        discussion: """
            Stages share an HDF5 store in a run directory. `xtal STAGE …` runs the stage executable \
            `xtal-STAGE` found next to `xtal` or on PATH, e.g. `xtal ingest data/ --store run/`.

            Built in: `xtal run PIPELINE.yaml` runs a pipeline file's stale steps (see `xtal run --help`); \
            `xtal status RUN_DIR` shows each step's state; `xtal stitch RUN_DIR` joins the shards of sharded stages.

            Stages: ingest, graph, pretrain, embed, train, predict, rank, and report (an HTML page about a run directory), each as \
            it is installed.
            """,
        version: "xtal \(XtalVersion.current)"
    )

    public init() {}

    /// Commands `xtal` runs itself rather than as `xtal-<name>`.
    static let builtIns: [String: any ParsableCommand.Type] = [
        "run": RunCommand.self, "status": StatusCommand.self, "stitch": StitchCommand.self,
    ]

    /// Runs `xtal` with `arguments` (without the program name): dispatches to `xtal-<name>` when the first
    /// argument is a command name, otherwise parses as usual (`--help`, `--version`).
    public static func dispatch(_ arguments: [String], executablePath: String) -> Never {
        guard let name = arguments.first, !name.hasPrefix("-"), name != "help" else {
            main(arguments)
            Foundation.exit(0)
        }
        if let builtIn = builtIns[name] {
            builtIn.main(Array(arguments.dropFirst()))
            Foundation.exit(0)
        }
        let directory = (executablePath as NSString).deletingLastPathComponent
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        guard let executable = ExternalCommand.locate("xtal-\(name)", besides: directory, path: path) else {
            FileHandle.standardError.write(
                Data(
                    "xtal: '\(name)' is not an xtal command: no xtal-\(name) next to xtal or on PATH. See 'xtal --help'.\n"
                        .utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let error = ExternalCommand.exec(executable, arguments: Array(arguments.dropFirst()))
        FileHandle.standardError.write(
            Data("xtal: cannot run \(executable): \(String(cString: strerror(error)))\n".utf8))
        Foundation.exit(ExitCode.failure.rawValue)
    }
}
