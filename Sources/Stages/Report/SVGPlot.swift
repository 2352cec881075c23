import Foundation

/// A small fixed-size SVG chart: two axes with nice ticks and grid lines, then marks (points, lines, bars,
/// vertical rules) drawn in order, and a legend above the plot area.
///
/// Marks are kept as data and laid out in `render()`, once the legend's height is known. Non-finite points
/// are dropped, so the SVG never holds `nan` or `inf` coordinates. Points are drawn as zero-length round-capped
/// path segments (`M x y h0`), about 12 bytes each, so that thousands of them keep the page small.
struct SVGPlot {
    /// Colour-blind-safe colours (Okabe and Ito), in the order series take them.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D1F", "#555555"]

    /// Width and height of every plot, px.
    static let width = 400.0
    static let height = 310.0

    /// One thing drawn in the plot area.
    enum Mark {
        case points([(x: Double, y: Double)], colour: String, size: Double)
        case rings([(x: Double, y: Double)], colour: String, radius: Double)
        case line([(x: Double, y: Double)], colour: String, dashed: Bool)
        case bars([(lower: Double, upper: Double, count: Double)], colour: String)
        case rule(x: Double, colour: String)
    }

    var x: AxisScale
    var y: AxisScale
    var xLabel: String
    var yLabel: String
    /// What the SVG says to screen readers.
    var description: String
    private(set) var marks: [Mark] = []
    private(set) var legend: [(label: String, colour: String)] = []

    init(x: AxisScale, y: AxisScale, xLabel: String, yLabel: String, description: String) {
        self.x = x
        self.y = y
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.description = description
    }

    /// Adds `mark`, and a legend entry when `label` is given.
    mutating func add(_ mark: Mark, label: String? = nil) {
        marks.append(mark)
        guard let label else { return }
        switch mark {
        case .points(_, let colour, _), .rings(_, let colour, _), .line(_, let colour, _), .bars(_, let colour),
            .rule(_, let colour):
            legend.append((label, colour))
        }
    }

    /// The `<svg>` element.
    func render() -> String {
        let legendLines = layoutLegend()
        let left = 62.0
        let right = Self.width - 14
        let top = 12 + Double(legendLines.count) * 16
        let bottom = Self.height - 44
        let frame = PlotFrame(left: left, right: right, top: top, bottom: bottom, x: x, y: y)
        var svg = """
            <svg class="plot" width="\(Int(Self.width))" height="\(Int(Self.height))" \
            viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" role="img" aria-label="\(Markup.escape(description))" \
            font-family="sans-serif" font-size="11">\n
            """
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" fill=\"#fff\"/>\n"
        svg += axes(frame)
        for mark in marks { svg += draw(mark, frame) }
        svg += rect(frame, fill: "none", stroke: "#444")
        for (row, entries) in legendLines.enumerated() {
            var position = left
            let baseline = 14 + Double(row) * 16
            for entry in entries {
                svg += "<rect x=\"\(Markup.coordinate(position))\" y=\"\(Markup.coordinate(baseline - 8))\" "
                svg += "width=\"10\" height=\"10\" fill=\"\(entry.colour)\"/>"
                svg += "<text x=\"\(Markup.coordinate(position + 14))\" y=\"\(Markup.coordinate(baseline + 1))\">"
                svg += Markup.escape(entry.label) + "</text>\n"
                position += Self.legendWidth(entry.label)
            }
        }
        return svg + "</svg>"
    }

    /// Legend entries in rows that fit the plot's width.
    private func layoutLegend() -> [[(label: String, colour: String)]] {
        var rows: [[(label: String, colour: String)]] = []
        var used = Self.width
        for entry in legend {
            let width = Self.legendWidth(entry.label)
            if used + width > Self.width - 70 || rows.isEmpty {
                rows.append([])
                used = 0
            }
            rows[rows.count - 1].append(entry)
            used += width
        }
        return rows
    }

    /// Width an entry takes in the legend, px (estimated at 6 px per character).
    private static func legendWidth(_ label: String) -> Double { 24 + 6 * Double(label.count) }

    private func axes(_ frame: PlotFrame) -> String {
        var out = ""
        for tick in x.ticks {
            let px = frame.px(tick.value)
            guard px.isFinite, px >= frame.left - 0.5, px <= frame.right + 0.5 else { continue }
            out += line(px, frame.top, px, frame.bottom, "#e4e4e4")
            out += text(px, frame.bottom + 14, tick.label, anchor: "middle")
        }
        for tick in y.ticks {
            let py = frame.py(tick.value)
            guard py.isFinite, py >= frame.top - 0.5, py <= frame.bottom + 0.5 else { continue }
            out += line(frame.left, py, frame.right, py, "#e4e4e4")
            out += text(frame.left - 5, py + 4, tick.label, anchor: "end")
        }
        out += text((frame.left + frame.right) / 2, Self.height - 8, xLabel, anchor: "middle")
        let middle = Markup.coordinate((frame.top + frame.bottom) / 2)
        out += "<text x=\"0\" y=\"0\" text-anchor=\"middle\" transform=\"translate(13 \(middle)) rotate(-90)\">"
        return out + Markup.escape(yLabel) + "</text>\n"
    }

    private func draw(_ mark: Mark, _ frame: PlotFrame) -> String {
        switch mark {
        case .points(let points, let colour, let size):
            let pixels = frame.pixels(points)
            guard !pixels.isEmpty else { return "" }
            let path = pixels.map { "M\(Markup.coordinate($0.x)) \(Markup.coordinate($0.y))h0" }.joined()
            return "<path d=\"\(path)\" stroke=\"\(colour)\" stroke-width=\"\(Markup.number(size))\" "
                + "stroke-linecap=\"round\" stroke-opacity=\"0.7\" fill=\"none\"/>\n"
        case .rings(let points, let colour, let radius):
            return frame.pixels(points).map {
                "<circle cx=\"\(Markup.coordinate($0.x))\" cy=\"\(Markup.coordinate($0.y))\" "
                    + "r=\"\(Markup.number(radius))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
            }.joined()
        case .line(let points, let colour, let dashed):
            let pixels = frame.pixels(points)
            guard pixels.count > 1 else { return "" }
            let path = pixels.enumerated().map {
                "\($0.offset == 0 ? "M" : "L")\(Markup.coordinate($0.element.x)) \(Markup.coordinate($0.element.y))"
            }.joined()
            return "<path d=\"\(path)\" stroke=\"\(colour)\" stroke-width=\"1.6\" fill=\"none\""
                + (dashed ? " stroke-dasharray=\"5 3\"" : "") + "/>\n"
        case .bars(let bins, let colour):
            return bins.compactMap { bin -> String? in
                let x0 = frame.px(bin.lower)
                let x1 = frame.px(bin.upper)
                let y0 = frame.py(bin.count)
                let base = frame.py(max(y.lower, 0))
                guard x0.isFinite, x1.isFinite, y0.isFinite, base.isFinite, bin.count > 0 else { return nil }
                let clampedX0 = frame.clampX(x0)
                let clampedY0 = frame.clampY(y0)
                return "<rect x=\"\(Markup.coordinate(clampedX0))\" y=\"\(Markup.coordinate(clampedY0))\" "
                    + "width=\"\(Markup.coordinate(max(frame.clampX(x1) - clampedX0 - 0.5, 0.5)))\" "
                    + "height=\"\(Markup.coordinate(max(frame.clampY(base) - clampedY0, 0)))\" fill=\"\(colour)\"/>\n"
            }.joined()
        case .rule(let value, let colour):
            let px = frame.px(value)
            guard px.isFinite else { return "" }
            let clamped = frame.clampX(px)
            return "<path d=\"M\(Markup.coordinate(clamped)) \(Markup.coordinate(frame.top))"
                + "V\(Markup.coordinate(frame.bottom))\" stroke=\"\(colour)\" stroke-width=\"2\" "
                + "stroke-dasharray=\"6 3\"/>\n"
        }
    }

    private func rect(_ frame: PlotFrame, fill: String, stroke: String) -> String {
        "<rect x=\"\(Markup.coordinate(frame.left))\" y=\"\(Markup.coordinate(frame.top))\" "
            + "width=\"\(Markup.coordinate(frame.right - frame.left))\" "
            + "height=\"\(Markup.coordinate(frame.bottom - frame.top))\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>\n"
    }

    private func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ colour: String) -> String {
        "<path d=\"M\(Markup.coordinate(x0)) \(Markup.coordinate(y0))L\(Markup.coordinate(x1)) "
            + "\(Markup.coordinate(y1))\" stroke=\"\(colour)\"/>\n"
    }

    private func text(_ x: Double, _ y: Double, _ content: String, anchor: String) -> String {
        "<text x=\"\(Markup.coordinate(x))\" y=\"\(Markup.coordinate(y))\" text-anchor=\"\(anchor)\">"
            + Markup.escape(content) + "</text>\n"
    }
}

/// The plot area in pixels and the scales that map data into it.
private struct PlotFrame {
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double
    let x: AxisScale
    let y: AxisScale

    func px(_ value: Double) -> Double { left + x.fraction(value) * (right - left) }
    func py(_ value: Double) -> Double { bottom - y.fraction(value) * (bottom - top) }
    func clampX(_ value: Double) -> Double { min(max(value, left), right) }
    func clampY(_ value: Double) -> Double { min(max(value, top), bottom) }

    /// Pixel positions of the finite points, clamped to the plot area.
    func pixels(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        points.compactMap { point in
            let pxValue = px(point.x)
            let pyValue = py(point.y)
            guard pxValue.isFinite, pyValue.isFinite else { return nil }
            return (clampX(pxValue), clampY(pyValue))
        }
    }
}
