import ArgumentParser
import Foundation

/// `xtal-report`: writes a self-contained HTML report with SVG plots about a run directory.
public struct ReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-report",
        abstract: "Write an HTML report about a run directory (report.html).",
        discussion: """
            The page holds, for each stage output present: counts, rejected inputs grouped by kind, predicted \
            against labelled values (parity plots, test crystals in their own colour), training curves, the \
            ranking (Pareto front or objective histogram, shortlist) and a histogram of every predicted \
            property. One file, inline CSS and SVG: it opens offline. It is rewritten on every run.
            """,
        version: XtalVersion.current
    )

    @Argument(help: ArgumentHelp("The run directory (or give --store).", valueName: "RUN_DIR"))
    var directory: String?

    @Option(name: .long, help: ArgumentHelp("The run directory holding the store.", valueName: "RUN_DIR"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("The page to write (default: RUN_DIR/report.html).", valueName: "FILE"))
    var output: String?

    @Option(name: .long, help: "Accepted for a pipeline's common flags; the report runs on one thread.")
    var jobs: Int?

    @Flag(name: .long, help: "Accepted for a pipeline's common flags: the report is always rewritten.")
    var force = false

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    public init() {}

    public mutating func validate() throws {
        guard (directory == nil) != (store == nil) else {
            throw ValidationError("give the run directory once: RUN_DIR or --store RUN_DIR")
        }
    }

    public func run() throws {
        do {
            try ReportStage(directory: directory ?? store ?? "", output: output, quiet: quiet).run()
        } catch {
            FileHandle.standardError.write(Data("xtal-report: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
