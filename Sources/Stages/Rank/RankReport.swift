import Foundation

/// What `xtal-rank` prints when done: a summary line, then the first rows of the shortlist as an aligned table.
///
/// ```
/// rank: 4764 candidates, 3012 passed filters, 9 fronts, shortlist 10 → runs/demo/ranking.h5
///  rank  front  id         formula  max band_gap     min formation_energy_per_atom
///     1      1  mp-1234    SiO2     8.912 ± 0.000    -3.1
/// ```
/// Objective cells show the mean, and `± std` for predictions with an ensemble spread, with the same decimals down
/// each column (four significant digits for its largest value).
struct RankReport {
    /// Rows of the shortlist printed.
    static let rowsShown = 10

    let ranking: Ranking
    let table: CrystalTable
    let objectives: [RankObjective]
    let columns: [CrystalTable.Column]

    /// The summary line, one line per export, and the table (each line ending in a newline).
    func text(summary: RankStage.Summary, exports: [RankExport]) -> String {
        var line =
            "rank: \(summary.candidates) candidates, \(summary.passed) passed filters, \(summary.fronts) "
            + "front\(summary.fronts == 1 ? "" : "s"), shortlist \(summary.shortlisted) → \(summary.output)"
        if summary.unranked > 0 { line += " (\(summary.unranked) unranked: an objective is NaN)" }
        var lines = [line]
        lines += exports.map { "exported → \($0.path)" }
        let shown = min(Self.rowsShown, ranking.shortlisted)
        if shown > 0 {
            lines += alignedTable(rows: shown)
            if ranking.shortlisted > shown {
                lines.append("… \(ranking.shortlisted - shown) more in \(summary.output)")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// The first `count` rows as aligned columns: numbers right-aligned, text left-aligned.
    private func alignedTable(rows count: Int) -> [String] {
        let spread = columns.map { column in column.std.map { $0.contains { $0 != 0 && !$0.isNaN } } ?? false }
        let multiple = objectives.count > 1
        var header = ["rank"] + (multiple ? ["front"] : []) + ["id", "formula"]
        header += objectives.map { "\($0.direction == .maximize ? "max" : "min") \($0.property)" }
        let rightAligned = [true] + (multiple ? [true] : []) + [false, false] + objectives.map { _ in true }
        let decimals = objectives.indices.map { k in
            Self.decimals(for: (0..<count).map { ranking.means[$0 * objectives.count + k] })
        }
        var cells = [header]
        for position in 0..<count {
            let row = ranking.rows[position]
            var line = [String(position + 1)] + (multiple ? [String(ranking.fronts[position])] : [])
            line += [table.ids[row], table.formulas[row]]
            for k in 0..<objectives.count {
                let index = position * objectives.count + k
                let mean = Self.format(ranking.means[index], decimals: decimals[k])
                line.append(spread[k] ? "\(mean) ± \(Self.format(ranking.stds[index], decimals: decimals[k]))" : mean)
            }
            cells.append(line)
        }
        let widths = header.indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { line in
            zip(line.indices, line).map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned[column] ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }

    /// Decimals that give the largest of `values` four significant digits (at most 6); `nil` for scientific
    /// notation, when it is 10⁶ or more, or below 10⁻³ but not 0.
    private static func decimals(for values: [Double]) -> Int? {
        let largest = values.filter(\.isFinite).map(abs).max() ?? 0
        guard largest > 0 else { return 3 }
        guard largest >= 1e-3, largest < 1e6 else { return nil }
        return min(6, max(0, 3 - Int(log10(largest).rounded(.down))))
    }

    /// `value` with `decimals` decimals (scientific with four significant digits when `nil`), `nan` for NaN.
    private static func format(_ value: Double, decimals: Int?) -> String {
        guard !value.isNaN else { return "nan" }
        guard let decimals else { return String(format: "%.3e", value) }
        return String(format: "%.\(decimals)f", value)
    }
}
