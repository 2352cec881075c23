import Pipeline

/// What `xtal-rank` ranks by: the filters, objectives, risk and shortlist size (exports are not parameters:
/// they do not change `ranking.h5`).
public struct RankParameters: Sendable, Hashable {
    /// `--where` conditions, all of which a crystal must meet.
    public var filters: [RankFilter] = []
    /// Objectives in command-line order: one sorts, several give Pareto fronts.
    public var objectives: [RankObjective] = []
    /// `--risk`.
    public var risk = RankRisk.none
    /// `--top K`: rows shortlisted (0: every row).
    public var top = 0

    public init(filters: [RankFilter] = [], objectives: [RankObjective] = [], risk: RankRisk = .none, top: Int = 0) {
        self.filters = filters
        self.objectives = objectives
        self.risk = risk
        self.top = top
    }

    /// SHA-256 of the parameters as canonical JSON (`version`, `filters`, `objectives`, `risk`, `top`), stamped
    /// in provenance.
    func hash() throws -> String {
        struct Canonical: Encodable {
            var version = 1
            var filters: [String]
            var objectives: [RankObjective]
            var risk: String
            var top: Int
        }
        return try CanonicalJSON.hash(
            Canonical(filters: filters.map(\.text), objectives: objectives, risk: risk.text, top: top))
    }
}
