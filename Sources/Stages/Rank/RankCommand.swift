import ArgumentParser
import Foundation

/// `xtal-rank`: filters and ranks the store's crystals into `ranking.h5` and exports the shortlist.
public struct RankCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-rank",
        abstract: "Filter and rank the store's crystals (ranking.h5) and export the shortlist.",
        discussion: """
            Properties: predictions MODEL/TARGET (groups of predictions.h5, e.g. published_band-gap/band_gap; a bare \
            TARGET when one model predicts it), labels label/NAME (a bare NAME when no model predicts it), and \
            nsites, nelements, volume (Å³), density (g/cm³), spacegroup (needs xtal graph --spacegroup). \
            --where PROP OP NUMBER (OP: < <= > >= == !=; tests the mean; NaN fails) or 'elements includes|excludes \
            A,B' keeps crystals meeting every condition. One objective sorts, best first; several give Pareto \
            fronts (non-dominated sorting), ordered within a front by the objectives in the order given on the \
            command line, then by id. A crystal with NaN in an objective is unranked (front 0, last). \
            --risk lcb:K scores mean - K*std for maximised and mean + K*std for minimised properties.
            """,
        version: XtalVersion.current
    )

    @OptionGroup var common: StageOptions

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("A condition every ranked crystal meets (repeatable).", valueName: "EXPR"))
    var filters: [String] = []

    @Option(help: ArgumentHelp("A property to maximise (repeatable; order matters).", valueName: "PROP"))
    var maximize: [String] = []

    @Option(help: ArgumentHelp("A property to minimise (repeatable; order matters).", valueName: "PROP"))
    var minimize: [String] = []

    @Option(help: ArgumentHelp("Score uncertain predictions pessimistically: lcb:K.", valueName: "lcb:K"))
    var risk: String?

    @Option(help: ArgumentHelp("Shortlist the first K ranked crystals (default: all).", valueName: "K"))
    var top: Int?

    @Option(
        name: .customLong("export"),
        help: ArgumentHelp("Write the shortlist to FILE.csv, FILE.json or DIR/ (CIFs) (repeatable).", valueName: "PATH")
    )
    var exports: [String] = []

    public init() {}

    public mutating func validate() throws {
        do {
            _ = try parameters(arguments: [])
            _ = try exports.map(RankExport.init(parsing:))
        } catch let error as RankError {
            throw ValidationError(error.description)
        }
        if let top, top < 1 { throw ValidationError("--top must be at least 1") }
        let properties = maximize + minimize
        if let repeated = properties.first(where: { name in properties.filter { $0 == name }.count > 1 }) {
            throw ValidationError("'\(repeated)' is given as an objective more than once")
        }
    }

    /// The parameters these flags give, with the objectives in their order in `arguments` (the raw command line;
    /// see `RankObjective.inCommandLineOrder`).
    ///
    /// - Throws: `RankError` for a filter or risk that does not parse.
    func parameters(arguments: [String]) throws -> RankParameters {
        RankParameters(
            filters: try filters.map(RankFilter.init(parsing:)),
            objectives: RankObjective.inCommandLineOrder(maximize: maximize, minimize: minimize, arguments: arguments),
            risk: try risk.map(RankRisk.init(parsing:)) ?? .none,
            top: top ?? 0)
    }

    public func run() throws {
        do {
            let parameters = try parameters(arguments: Array(CommandLine.arguments.dropFirst()))
            let exports = try exports.map(RankExport.init(parsing:))
            _ = try RankStage(parameters: parameters, exports: exports, options: common).run()
        } catch {
            FileHandle.standardError.write(Data("xtal-rank: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
