/// One plot of the report: a title, the SVG and a caption (plain text; the page escapes it).
struct ReportFigure {
    var title: String
    var svg: String
    var caption: String

    /// At most this many points are drawn per scatter plot, so that the page stays small for any run.
    static let pointLimit = 5000

    /// Every k-th index of `0..<count`, with k the smallest step that keeps at most `limit` of them: a
    /// deterministic subsample (the same run gives the same plot).
    static func subsample(_ count: Int, limit: Int = pointLimit) -> StrideTo<Int> {
        let step = max(1, (count + limit - 1) / max(limit, 1))
        return stride(from: 0, to: count, by: step)
    }

    /// A sentence for the caption when `shown` of `total` points are drawn.
    static func subsampleNote(shown: Int, total: Int) -> String {
        shown < total ? " Every \((total + shown - 1) / max(shown, 1))-th point drawn (\(shown) of \(total))." : ""
    }
}
