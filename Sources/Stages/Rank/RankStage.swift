import Foundation
import Pipeline
import Store

/// The rank stage: filters the store's crystals, orders them by one objective or by Pareto fronts of several,
/// and writes `ranking.h5` and the `--export` files.
///
/// Reads `crystals.h5` (required), `predictions.h5` and `graphs.h5` (when present); see `CrystalTable` for
/// the properties, `RankFilter` for `--where`, `Ranking` for the order and `docs/store-format.md` §10 for the
/// file.
public struct RankStage {
    public struct Summary: Sendable {
        /// Crystals in the store.
        public var candidates = 0
        /// Crystals that passed every filter (rows of `ranking.h5`).
        public var passed = 0
        /// Pareto fronts among ranked rows.
        public var fronts = 0
        /// Rows shortlisted.
        public var shortlisted = 0
        /// Rows left unranked (NaN in an objective).
        public var unranked = 0
        /// The ids of the rows, best first.
        public var ids: [String] = []
        /// `ranking.h5`.
        public var output = ""
    }

    let parameters: RankParameters
    let exports: [RankExport]
    let context: StageContext

    public init(parameters: RankParameters, exports: [RankExport] = [], options: StageOptions) throws {
        self.parameters = parameters
        self.exports = exports
        context = try StageContext(label: "rank", options: options)
    }

    /// Runs the stage, printing the summary and the top of the shortlist on standard output (unless `--quiet`).
    ///
    /// - Throws: `StageError` for a missing `crystals.h5` or an existing `ranking.h5` without `--force`;
    ///   `RankError` for unknown or ambiguous properties and failed exports; `StoreError` for unreadable files.
    public func run() throws -> Summary {
        let started = Date()
        let directory = context.directory
        let crystalsPath = directory.file("crystals.h5")
        guard FileManager.default.fileExists(atPath: crystalsPath) else {
            throw StageError.missingInput(crystalsPath, makeWith: "ingest")
        }
        let outputPath = try context.outputPath("ranking.h5")
        let threads = context.options.jobs
        let table = try CrystalTable(directory: directory, threads: threads)
        let columns = try parameters.objectives.map { try table.column($0.property) }
        var passes = [Bool](repeating: true, count: table.count)
        for filter in parameters.filters {
            for (row, passed) in try filter.evaluate(on: table).enumerated() where !passed { passes[row] = false }
        }
        let candidates = passes.indices.filter { passes[$0] }
        let ranking = Ranking(
            candidates: candidates, ids: table.ids, columns: columns, objectives: parameters.objectives,
            risk: parameters.risk, top: parameters.top)

        try write(ranking, table: table, columns: columns, to: outputPath, started: started)
        try directory.link("ranking", to: "ranking.h5", toolVersion: XtalVersion.current)
        let exported = RankExports(ranking: ranking, table: table)
        for export in exports { try exported.write(export, crystalsPath: crystalsPath, threads: threads) }

        var summary = Summary()
        summary.candidates = table.count
        summary.passed = ranking.count
        summary.fronts = ranking.frontCount
        summary.shortlisted = ranking.shortlisted
        summary.unranked = ranking.fronts.filter { $0 == 0 }.count
        summary.ids = ranking.rows.map { table.ids[$0] }
        summary.output = outputPath
        if !context.options.quiet {
            let report = RankReport(ranking: ranking, table: table, objectives: parameters.objectives, columns: columns)
            print(report.text(summary: summary, exports: exports), terminator: "")
        }
        return summary
    }

    /// Writes `ranking.h5` (encoding `ranking` v1) atomically, with provenance.
    private func write(
        _ ranking: Ranking, table: CrystalTable, columns: [CrystalTable.Column], to path: String, started: Date
    ) throws {
        let output = try AtomicStoreFile(creating: path)
        let root = try output.file.root
        let options = context.options.datasetOptions
        let (r, m) = (ranking.count, ranking.objectives)
        try root.setEncoding("ranking", version: "1")
        try root.write("graph_id", strings: ranking.rows.map { table.ids[$0] }, options: options)
        try root.write("graph_formula", strings: ranking.rows.map { table.formulas[$0] }, options: options)
        try root.write("rank", (0..<r).map { Int64($0 + 1) }, options: options)
        try root.write("front", ranking.fronts.map(Int64.init), options: options)
        try root.write("shortlisted", (0..<r).map { UInt8($0 < ranking.shortlisted ? 1 : 0) }, options: options)
        let units = columns.map(\.units)
        for (name, values) in [
            ("objective_value", ranking.scores), ("objective_mean", ranking.means), ("objective_std", ranking.stds),
        ] {
            try root.write(name, NDArray(shape: [r, m], values: values), options: options).setAttribute("units", units)
        }
        struct Objective: Encodable {
            var property: String
            var direction: String
        }
        let objectives = zip(parameters.objectives, columns).map {
            Objective(property: $1.name, direction: $0.direction.rawValue)
        }
        try root.setAttribute("objectives", try CanonicalJSON.encode(objectives))
        try root.setAttribute("filters", try CanonicalJSON.encode(parameters.filters.map(\.text)))
        try root.setAttribute("risk", parameters.risk.text)
        try root.setAttribute("top", Int64(parameters.top))
        try root.setAttribute("candidates", Int64(table.count))
        try root.setAttribute("passed", Int64(r))
        var hashes: [String: String] = [:]
        for name in table.inputs { hashes[name] = try SHA256.hex(fileAt: context.directory.file(name)) }
        try output.commit(
            Provenance(
                stage: "rank", parameterHash: try parameters.hash(), inputHashes: hashes,
                toolVersion: XtalVersion.current, startedAt: started))
    }
}
