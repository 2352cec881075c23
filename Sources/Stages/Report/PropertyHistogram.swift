import Foundation

/// The distribution of one predicted property over the run's crystals.
enum PropertyHistogram {
    /// Equal-width bins over the finite `values`: about √n of them, between 5 and 40.
    static func bins(_ values: [Double]) -> [(lower: Double, upper: Double, count: Double)] {
        guard let low = values.min(), let high = values.max() else { return [] }
        let count = min(40, max(5, Int(Double(values.count).squareRoot())))
        let width = high > low ? (high - low) / Double(count) : 1
        var counts = [Double](repeating: 0, count: count)
        for value in values { counts[min(count - 1, max(0, Int((value - low) / width)))] += 1 }
        return (0..<count).map { (low + Double($0) * width, low + Double($0 + 1) * width, counts[$0]) }
    }

    /// A histogram plot of `values` labelled `name` in `units`, with optional vertical `rules`.
    static func plot(
        _ values: [Double], name: String, units: String, colour: String = SVGPlot.palette[0],
        rules: [(value: Double, label: String, colour: String)] = []
    ) -> SVGPlot {
        let finite = values.filter(\.isFinite)
        let bins = bins(finite)
        let edges = bins.flatMap { [$0.lower, $0.upper] } + rules.map(\.value)
        var plot = SVGPlot(
            x: AxisScale(covering: edges), y: AxisScale(covering: bins.map(\.count), includeZero: true),
            xLabel: name + Markup.unitsSuffix(units), yLabel: "crystals",
            description: "histogram of \(name)")
        plot.add(.bars(bins, colour: colour))
        for rule in rules { plot.add(.rule(x: rule.value, colour: rule.colour), label: rule.label) }
        return plot
    }

    /// The figure for one column of predictions.
    static func figure(_ column: PredictionsSummary.Column) -> ReportFigure {
        let finite = column.mean.filter(\.isFinite)
        let missing = column.mean.count - finite.count
        let plot = plot(finite, name: column.target, units: column.units)
        var caption = "\(column.model) → \(column.target): \(finite.count) crystals"
        if let low = finite.min(), let high = finite.max() {
            let mean = finite.reduce(0, +) / Double(finite.count)
            caption += ", from \(Markup.number(low)) to \(Markup.number(high)), mean \(Markup.number(mean))"
            caption += column.units.isEmpty || column.units == "1" ? "" : " \(column.units)"
        }
        caption += missing > 0 ? "; \(missing) without a prediction (NaN) left out." : "."
        return ReportFigure(title: "\(column.model): \(column.target)", svg: plot.render(), caption: caption)
    }
}
