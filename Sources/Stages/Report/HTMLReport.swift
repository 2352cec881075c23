import Foundation

/// The report page: one self-contained HTML file (inline CSS and SVG, no script, no external URL or font) with
/// a section per stage output present, and a note naming the stage to run for each one missing.
struct HTMLReport {
    let contents: RunContents
    /// When the report was made (shown in the header).
    let date: Date

    /// The whole page.
    func render() -> String {
        var body = header()
        body += rejectsSection()
        body += paritySection()
        body += trainingSection()
        body += rankingSection()
        body += histogramSection()
        body += embeddingSection()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>XtalScreen report: \(Markup.escape(contents.directory))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            \(body)</body>
            </html>\n
            """
    }

    /// What `page` (this report, rendered) holds, in a few words (`4764 crystals, 2 models, 5 plots`).
    func summary(of page: String) -> String {
        var parts: [String] = []
        if let crystals = contents.crystals { parts.append("\(crystals.ids.count) crystals") }
        if !contents.models.isEmpty {
            parts.append("\(contents.models.count) model\(contents.models.count == 1 ? "" : "s")")
        }
        if let predictions = contents.predictions { parts.append("\(predictions.columns.count) predicted properties") }
        if let ranking = contents.ranking { parts.append("ranking of \(ranking.count)") }
        let plots = page.components(separatedBy: "<svg").count - 1
        parts.append("\(plots) plot\(plots == 1 ? "" : "s")")
        return parts.joined(separator: ", ")
    }

    static let css = """
        body{font-family:sans-serif;margin:0 auto;padding:16px 24px;max-width:1320px;color:#222;line-height:1.4}\
        h1{font-size:1.6em;margin-bottom:4px}h2{border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:32px}\
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;\
        font-size:0.9em;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\
        .figures{display:flex;flex-wrap:wrap;gap:14px}figure{margin:0;width:400px}\
        figcaption{font-size:0.82em;color:#444;margin-top:2px}figure h3{font-size:0.95em;margin:4px 0}\
        .missing{color:#8a5a00;background:#fff7e6;border-left:4px solid #e6a100;padding:4px 10px}\
        code{background:#f3f3f3;padding:0 3px}.meta{color:#555}
        """

    private func header() -> String {
        let stamp = ISO8601DateFormatter().string(from: date)
        var rows: [(String, String)] = []
        if let crystals = contents.crystals {
            rows.append(("crystals (crystals.h5)", "\(crystals.ids.count)"))
            rows.append(("rejects", "\(crystals.rejects.count)"))
            if !crystals.duplicates.isEmpty { rows.append(("duplicates dropped", "\(crystals.duplicates.count)")) }
            rows.append(
                ("labels", crystals.labels.isEmpty ? "none" : crystals.labels.map(\.name).joined(separator: ", ")))
        }
        if let graphs = contents.graphs {
            rows.append(("graphs (graphs.h5)", "\(graphs.graphs) graphs, \(graphs.edges) edges (\(graphs.method))"))
        }
        if !contents.models.isEmpty {
            rows.append(("models trained (models/)", contents.models.map(\.name).joined(separator: ", ")))
        }
        if !contents.otherModels.isEmpty {
            rows.append(("other model files (not shown)", contents.otherModels.joined(separator: ", ")))
        }
        if let predictions = contents.predictions {
            rows.append(
                (
                    "predictions (predictions.h5)",
                    "\(predictions.ids.count) crystals × \(predictions.modelCount) models, \(predictions.columns.count) targets"
                ))
        }
        if let ranking = contents.ranking {
            rows.append(("ranking (ranking.h5)", "\(ranking.count) rows, \(ranking.shortlistCount) shortlisted"))
        }
        var html = "<h1>XtalScreen report</h1>\n<p class=\"meta\">Run directory <code>"
        html += Markup.escape(contents.directory) + "</code>, made \(Markup.escape(stamp)) by xtal-report "
        html += Markup.escape(XtalVersion.current) + ".</p>\n"
        html +=
            rows.isEmpty
            ? Self.missing("crystals.h5", stage: "ingest") : Self.table(["", ""], rows.map { [$0.0, $0.1] })
        return html
    }

    /// A note that `file` is missing and which stage makes it.
    static func missing(_ file: String, stage: String, reason: String = "") -> String {
        "<p class=\"missing\">No <code>\(Markup.escape(file))</code>\(Markup.escape(reason)): run "
            + "<code>xtal \(Markup.escape(stage))</code> to make it.</p>\n"
    }

    /// A table of escaped text cells; cells that read as numbers are right-aligned.
    static func table(_ head: [String], _ rows: [[String]]) -> String {
        var html = "<table>\n"
        if head.contains(where: { !$0.isEmpty }) {
            html += "<tr>" + head.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr>\n"
        }
        for row in rows {
            html += "<tr>"
            html += row.map { cell in
                let numeric = !cell.isEmpty && Double(cell) != nil
                return (numeric ? "<td class=\"n\">" : "<td>") + Markup.escape(cell) + "</td>"
            }.joined()
            html += "</tr>\n"
        }
        return html + "</table>\n"
    }

    /// Figures side by side.
    static func figures(_ figures: [ReportFigure]) -> String {
        guard !figures.isEmpty else { return "" }
        return "<div class=\"figures\">\n"
            + figures.map { figure in
                "<figure><h3>\(Markup.escape(figure.title))</h3>\n\(figure.svg)\n"
                    + "<figcaption>\(Markup.escape(figure.caption))</figcaption></figure>\n"
            }.joined() + "</div>\n"
    }
}
