import Foundation

/// A map of the crystal embeddings: their projection on the two principal components, coloured by a property.
enum EmbeddingMap {
    /// The first `count` principal axes of the rows of `values` [rows × width], centred: unit vectors, largest
    /// variance first, by power iteration with deflation on the covariance (deterministic start, 200 steps),
    /// with the share of the total variance each explains.
    static func principalAxes(_ values: [Float], width: Int, count: Int = 2) -> [(axis: [Double], share: Double)] {
        let rows = width > 0 ? values.count / width : 0
        guard rows > 1 else { return [] }
        var mean = [Double](repeating: 0, count: width)
        for r in 0..<rows { for c in 0..<width { mean[c] += Double(values[r * width + c]) } }
        mean = mean.map { $0 / Double(rows) }
        var covariance = [Double](repeating: 0, count: width * width)
        var centred = [Double](repeating: 0, count: width)
        for r in 0..<rows {
            for c in 0..<width { centred[c] = Double(values[r * width + c]) - mean[c] }
            for i in 0..<width where centred[i] != 0 {
                for j in 0..<width { covariance[i * width + j] += centred[i] * centred[j] }
            }
        }
        covariance = covariance.map { $0 / Double(rows - 1) }
        let total = (0..<width).map { covariance[$0 * width + $0] }.reduce(0, +)
        var axes: [(axis: [Double], share: Double)] = []
        for k in 0..<min(count, width) {
            var v = (0..<width).map { 1 + Double(($0 * 7 + k * 3) % 11) / 11 }
            var variance = 0.0
            for _ in 0..<200 {
                var next = [Double](repeating: 0, count: width)
                for i in 0..<width { for j in 0..<width { next[i] += covariance[i * width + j] * v[j] } }
                let norm = next.map { $0 * $0 }.reduce(0, +).squareRoot()
                guard norm > 0 else { break }
                variance = norm
                v = next.map { $0 / norm }
            }
            axes.append((v, total > 0 ? variance / total : 0))
            // Deflate: remove this axis' share of the covariance.
            for i in 0..<width { for j in 0..<width { covariance[i * width + j] -= variance * v[i] * v[j] } }
        }
        return axes
    }

    /// The figure: every crystal (subsampled) at its first two principal coordinates, in four colours by the
    /// quartiles of `property` (values per row of the embeddings, NaN drawn grey), named `name`.
    static func figure(_ embeddings: EmbeddingsSummary, property: [Double], name: String) -> ReportFigure? {
        let width = embeddings.width
        let axes = principalAxes(embeddings.values, width: width)
        guard axes.count == 2 else { return nil }
        let rows = embeddings.ids.count
        let shown = Array(ReportFigure.subsample(rows))
        var points: [(x: Double, y: Double, value: Double)] = []
        for r in shown {
            var p = (0.0, 0.0)
            for c in 0..<width {
                let x = Double(embeddings.values[r * width + c])
                p.0 += x * axes[0].axis[c]
                p.1 += x * axes[1].axis[c]
            }
            points.append((p.0, p.1, property[r]))
        }
        let finite = points.map(\.value).filter(\.isFinite).sorted()
        var plot = SVGPlot(
            x: AxisScale(covering: points.map(\.x)), y: AxisScale(covering: points.map(\.y)),
            xLabel: "principal component 1", yLabel: "principal component 2",
            description: "embedding map of \(embeddings.encoder) coloured by \(name)")
        let missing = points.filter { !$0.value.isFinite }.map { (x: $0.x, y: $0.y) }
        if !missing.isEmpty { plot.add(.points(missing, colour: "#BBBBBB", size: 3), label: "no \(name)") }
        if !finite.isEmpty {
            let cuts = (1..<4).map { finite[min(finite.count - 1, $0 * finite.count / 4)] }
            let edges = [finite[0]] + cuts + [finite[finite.count - 1]]
            for q in 0..<4 {
                let inBin = points.filter { p in
                    p.value.isFinite && (q == 0 || p.value >= edges[q]) && (q == 3 || p.value < edges[q + 1])
                }
                plot.add(
                    .points(inBin.map { (x: $0.x, y: $0.y) }, colour: SVGPlot.palette[q], size: 3.5),
                    label: "\(name) \(Markup.number(edges[q]))–\(Markup.number(edges[q + 1]))")
            }
        }
        let shares = axes.map { String(format: "%.0f %%", 100 * $0.share) }
        let caption =
            "\(embeddings.encoder) embeddings (mean over atoms, layers "
            + embeddings.layers.map(String.init).joined(separator: ",")
            + ") projected on their two principal components (\(shares[0]) and \(shares[1]) of the variance), "
            + "coloured by quartiles of \(name)." + ReportFigure.subsampleNote(shown: shown.count, total: rows)
        return ReportFigure(title: "Embedding map: \(embeddings.encoder)", svg: plot.render(), caption: caption)
    }
}
