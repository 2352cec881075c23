import Foundation
import Pipeline

/// The report stage: reads what a run directory holds and writes one self-contained HTML page about it.
///
/// Unlike the other stages it reads every output present and writes no store file, so it may run at any
/// point of a pipeline; the page is always rewritten.
public struct ReportStage {
    public struct Summary: Sendable {
        /// What the page holds (`4764 crystals, 1 model, 6 plots`).
        public var contents = ""
        public var output = ""
    }

    let directory: String
    let output: String
    let quiet: Bool
    /// When the report is made (the header shows it); tests fix it.
    var date = Date()

    /// A report on run directory `directory`, written to `output` (default `directory/report.html`).
    public init(directory: String, output: String? = nil, quiet: Bool = false) {
        self.directory = directory
        self.output = output ?? (directory as NSString).appendingPathComponent("report.html")
        self.quiet = quiet
    }

    /// Reads the run directory, writes the page and prints what it holds.
    ///
    /// - Throws: `StageError.missingInput` when the directory does not exist; `StoreError` naming the file when
    ///   an output present cannot be read or has an unknown encoding or version; `ReportError.write` when the
    ///   page cannot be written.
    @discardableResult
    public func run() throws -> Summary {
        let report = HTMLReport(contents: try RunContents(directory: directory), date: date)
        let page = report.render()
        try Self.writeAtomically(page, to: output)
        let summary = Summary(contents: report.summary(of: page), output: output)
        ProgressReporter(label: "report", total: nil, quiet: quiet).finish("report: \(summary.contents) → \(output)")
        return summary
    }

    /// Writes `text` to `path.partial`, then renames it over `path`, so a reader never sees half a page.
    static func writeAtomically(_ text: String, to path: String) throws {
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: Data(text.utf8)) else {
            throw ReportError.write(path: partial, reason: String(cString: strerror(errno)))
        }
        guard rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw ReportError.write(path: path, reason: reason)
        }
    }
}
