/// Predicted against labelled values of one target, with the line y = x; crystals of the model's test split
/// drawn in a second colour when the model file says which they are.
enum ParityPlot {
    /// Mean absolute error, coefficient of determination and count of `pairs`.
    static func metrics(_ pairs: [(predicted: Double, labelled: Double)]) -> (mae: Double, r2: Double, n: Int) {
        let n = pairs.count
        guard n > 0 else { return (.nan, .nan, 0) }
        let mae = pairs.map { abs($0.predicted - $0.labelled) }.reduce(0, +) / Double(n)
        let mean = pairs.map(\.labelled).reduce(0, +) / Double(n)
        let total = pairs.map { ($0.labelled - mean) * ($0.labelled - mean) }.reduce(0, +)
        let residual = pairs.map { ($0.predicted - $0.labelled) * ($0.predicted - $0.labelled) }.reduce(0, +)
        return (mae, total > 0 ? 1 - residual / total : .nan, n)
    }

    /// The figure for `column` against the labels `label` (both with every crystal's value, matched by id).
    ///
    /// - Parameters:
    ///   - pairs: predicted and labelled values of the crystals that have both, with whether each is a test
    ///     crystal.
    ///   - column: the predictions.
    ///   - hasSplit: whether the model file named its test crystals.
    /// - Returns: the plot with MAE, R² and n (of the test crystals and of all) in its caption.
    static func figure(
        pairs: [(predicted: Double, labelled: Double, test: Bool)], column: PredictionsSummary.Column, hasSplit: Bool
    ) -> ReportFigure {
        let units = Markup.unitsSuffix(column.units)
        let everything = pairs.map { $0.predicted } + pairs.map { $0.labelled }
        // Positive values over more than a decade (refractive indices, moduli) read better on log axes.
        let logarithmic = everything.allSatisfy { $0 > 0 } && AxisScale.spansDecades(everything)
        let scale = AxisScale(covering: everything, logarithmic: logarithmic)
        var plot = SVGPlot(
            x: scale, y: scale, xLabel: "labelled \(column.target)\(units)",
            yLabel: "predicted \(column.target)\(units)",
            description: "parity plot of \(column.model) \(column.target)")
        plot.add(
            .line([(scale.lower, scale.lower), (scale.upper, scale.upper)], colour: "#999", dashed: true))
        let shown = ReportFigure.subsample(pairs.count).map { pairs[$0] }
        let colour = SVGPlot.palette[0]
        let testColour = SVGPlot.palette[3]
        let rest = shown.filter { !$0.test }.map { (x: $0.labelled, y: $0.predicted) }
        let test = shown.filter(\.test).map { (x: $0.labelled, y: $0.predicted) }
        plot.add(.points(rest, colour: colour, size: 3.5), label: hasSplit ? "train + validation" : "crystals")
        if hasSplit { plot.add(.points(test, colour: testColour, size: 3.5), label: "test") }

        let all = metrics(pairs.map { ($0.predicted, $0.labelled) })
        var caption = "\(column.model) → \(column.target): " + describe(all, units: column.units)
        if hasSplit {
            let held = metrics(pairs.filter(\.test).map { ($0.predicted, $0.labelled) })
            caption =
                "\(column.model) → \(column.target). Test crystals: " + describe(held, units: column.units)
                + ". All labelled crystals: " + describe(all, units: column.units)
                + ". Training and validation crystals flatter the model; judge it on the test crystals."
        } else {
            caption += ". No test split is known for this model: some of these crystals may be ones it was trained on."
        }
        caption += logarithmic ? " Log axes." : ""
        caption += ReportFigure.subsampleNote(shown: shown.count, total: pairs.count)
        return ReportFigure(title: "\(column.model): \(column.target)", svg: plot.render(), caption: caption)
    }

    private static func describe(_ metrics: (mae: Double, r2: Double, n: Int), units: String) -> String {
        "MAE \(Markup.number(metrics.mae))\(units.isEmpty || units == "1" ? "" : " " + units), R² \(Markup.number(metrics.r2, digits: 3)), "
            + "n = \(metrics.n)"
    }
}
