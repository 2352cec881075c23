/// The ranking's picture: with two or more objectives, the first two objectives of every ranked crystal with
/// the first Pareto front drawn as a step line and the shortlist ringed; with one objective, its histogram with
/// the shortlist's cut marked.
enum ParetoPlot {
    /// The figure for `ranking` (which has at least one objective).
    static func figure(_ ranking: RankingTable) -> ReportFigure {
        ranking.objectives.count >= 2 ? scatter(ranking) : histogram(ranking)
    }

    private static func scatter(_ ranking: RankingTable) -> ReportFigure {
        let ranked = (0..<ranking.count).filter { ranking.front[$0] > 0 }
        let point = { (row: Int) in (x: ranking.value[row][0], y: ranking.value[row][1]) }
        let xs = ranked.map { ranking.value[$0][0] }
        let ys = ranked.map { ranking.value[$0][1] }
        var plot = SVGPlot(
            x: AxisScale(covering: xs), y: AxisScale(covering: ys), xLabel: ranking.objectives[0].axisLabel,
            yLabel: ranking.objectives[1].axisLabel, description: "Pareto plot of the ranking")
        let others = ranked.filter { ranking.front[$0] > 1 }
        let shown = ReportFigure.subsample(others.count).map { point(others[$0]) }
        plot.add(.points(shown, colour: "#9a9a9a", size: 3), label: "ranked")
        let front = ranked.filter { ranking.front[$0] == 1 }.map(point).sorted { $0.x < $1.x }
        let staircase = staircase(
            front, maximizeX: ranking.objectives[0].direction == "maximize",
            maximizeY: ranking.objectives[1].direction == "maximize")
        plot.add(.line(staircase, colour: SVGPlot.palette[3], dashed: false))
        plot.add(.points(front, colour: SVGPlot.palette[3], size: 5), label: "front 1")
        let shortlist = ranked.filter { ranking.shortlisted[$0] }.map(point)
        plot.add(.rings(shortlist, colour: SVGPlot.palette[0], radius: 5), label: "shortlisted")
        var caption =
            "\(ranked.count) ranked crystals on the first two objectives; \(front.count) on the first Pareto front, "
            + "\(shortlist.count) shortlisted."
        let unranked = ranking.count - ranked.count
        if unranked > 0 { caption += " \(unranked) unranked rows (front 0) are not drawn." }
        if ranking.objectives.count > 2 {
            caption += " The fronts use all \(ranking.objectives.count) objectives; only two are drawn."
        }
        caption += ReportFigure.subsampleNote(shown: shown.count, total: others.count)
        return ReportFigure(title: "Pareto front", svg: plot.render(), caption: caption)
    }

    /// The boundary of what `front` (sorted by x) dominates: between two neighbours, a corner at the worse x
    /// and the worse y of the two (the smaller value of a maximised objective, the larger of a minimised one).
    static func staircase(
        _ front: [(x: Double, y: Double)], maximizeX: Bool, maximizeY: Bool
    ) -> [(x: Double, y: Double)] {
        front.enumerated().flatMap { k, point in
            guard k > 0 else { return [point] }
            let previous = front[k - 1]
            let corner = (
                x: maximizeX ? min(previous.x, point.x) : max(previous.x, point.x),
                y: maximizeY ? min(previous.y, point.y) : max(previous.y, point.y)
            )
            return [corner, point]
        }
    }

    private static func histogram(_ ranking: RankingTable) -> ReportFigure {
        let objective = ranking.objectives[0]
        let ranked = (0..<ranking.count).filter { ranking.front[$0] > 0 }
        let values = ranked.map { ranking.value[$0][0] }
        let listed = ranked.filter { ranking.shortlisted[$0] }.map { ranking.value[$0][0] }.filter(\.isFinite)
        let cut = objective.direction == "maximize" ? listed.min() : listed.max()
        let plot = PropertyHistogram.plot(
            values, name: objective.property, units: "",
            rules: cut.map { [(value: $0, label: "shortlist cut", colour: SVGPlot.palette[3])] } ?? [])
        var caption = "\(objective.property) of \(ranked.count) ranked crystals (\(objective.direction))"
        if let cut {
            caption +=
                "; the \(listed.count) shortlisted have \(objective.direction == "maximize" ? "≥" : "≤") \(Markup.number(cut))"
        }
        return ReportFigure(title: "Ranking: \(objective.property)", svg: plot.render(), caption: caption + ".")
    }
}
