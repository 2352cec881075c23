/// The crystals that passed the filters, best first, with their fronts and objective values.
///
/// Order: with one objective, by score (best first); with several, by Pareto front (`ParetoFronts`), and within
/// a front by the first objective's score, then the next ones'; ties by id. Without objectives the rows keep
/// the store's order. A crystal whose score is NaN in any objective (no prediction, no label) is *unranked*:
/// front 0, after every ranked row, by id. The shortlist is the first `top` ranked rows (unranked rows never
/// enter it), or every row when `top` is 0.
struct Ranking {
    /// `M`, the number of objectives.
    let objectives: Int
    /// `[R]` rows of the `CrystalTable`, best first.
    private(set) var rows: [Int] = []
    /// `[R]` 1-based Pareto front (1 for every ranked row with fewer than two objectives); 0 for unranked rows.
    private(set) var fronts: [Int] = []
    /// `[R, M]` row-major scores ranked on (after `--risk`).
    private(set) var scores: [Double] = []
    /// `[R, M]` row-major means of the objectives' properties.
    private(set) var means: [Double] = []
    /// `[R, M]` row-major standard deviations (0 where there is no ensemble).
    private(set) var stds: [Double] = []
    /// The number of shortlisted rows: rows `0..<shortlisted` are the shortlist.
    private(set) var shortlisted = 0

    /// Ranks `candidates` (rows of the table that passed the filters).
    ///
    /// - Parameters:
    ///   - candidates: table rows, in table order.
    ///   - ids: `[B]` the table's crystal ids (the last tie-break).
    ///   - columns: `[M]` each objective's column, in objective order.
    ///   - objectives: `[M]` the objectives.
    ///   - risk: how standard deviations lower the scores.
    ///   - top: `--top K`, 0 for no limit.
    init(
        candidates: [Int], ids: [String], columns: [CrystalTable.Column], objectives: [RankObjective], risk: RankRisk,
        top: Int
    ) {
        precondition(
            columns.count == objectives.count, "Ranking: \(columns.count) columns, \(objectives.count) objectives")
        let m = objectives.count
        self.objectives = m
        // Per candidate position i: scores and costs (smaller is better in every objective), `[n, m]`.
        let n = candidates.count
        var score = [Double](repeating: 0, count: n * m)
        var cost = [Double](repeating: 0, count: n * m)
        for (i, row) in candidates.enumerated() {
            for k in 0..<m {
                let value = objectives[k].score(
                    mean: columns[k].mean[row], std: columns[k].std?[row] ?? 0, kappa: risk.kappa)
                score[i * m + k] = value
                cost[i * m + k] = objectives[k].cost(score: value)
            }
        }
        var ranked: [Int] = []
        var unranked: [Int] = []
        for i in 0..<n {
            if (0..<m).contains(where: { score[i * m + $0].isNaN }) { unranked.append(i) } else { ranked.append(i) }
        }
        var front = [Int](repeating: 1, count: n)
        if m >= 2 {
            let rankedCosts = ranked.flatMap { cost[($0 * m)..<($0 * m + m)] }
            for (i, number) in zip(ranked, ParetoFronts.fronts(costs: rankedCosts, objectives: m)) { front[i] = number }
        }
        if m > 0 {
            ranked.sort { a, b in
                if front[a] != front[b] { return front[a] < front[b] }
                for k in 0..<m where cost[a * m + k] != cost[b * m + k] { return cost[a * m + k] < cost[b * m + k] }
                return ids[candidates[a]] < ids[candidates[b]]
            }
        }
        unranked.sort { ids[candidates[$0]] < ids[candidates[$1]] }
        for i in unranked { front[i] = 0 }
        let order = ranked + unranked
        rows = order.map { candidates[$0] }
        fronts = order.map { front[$0] }
        for i in order {
            scores.append(contentsOf: score[(i * m)..<(i * m + m)])
            for k in 0..<m {
                means.append(columns[k].mean[candidates[i]])
                stds.append(columns[k].std?[candidates[i]] ?? 0)
            }
        }
        shortlisted = top > 0 ? min(top, ranked.count) : rows.count
    }

    /// `R`, the number of rows.
    var count: Int { rows.count }

    /// The number of fronts among ranked rows (0 when no row is ranked).
    var frontCount: Int { fronts.max() ?? 0 }
}
