import Foundation
import Pipeline
import Store

/// What every stage run holds: its options, run directory, progress line and where one-line notes go.
struct StageContext {
    let options: StageOptions
    let directory: RunDirectory
    let progress: ProgressReporter
    /// Where one-line notes (rejects, fallbacks) go: standard error unless a caller (a test) replaces it.
    var report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Opens (creating if needed) the run directory `options.store` for stage `label`.
    init(label: String, options: StageOptions) throws {
        self.options = options
        directory = try RunDirectory(options.store)
        progress = ProgressReporter(label: label, total: nil, quiet: options.quiet)
    }

    /// The path of output `fileName` in the run directory, once it may be written: it must not exist unless
    /// `--force` was given, and `.partial` files left by killed runs are removed.
    ///
    /// - Throws: `StageError.outputExists`, or `StoreError` when a stale partial cannot be removed.
    func outputPath(_ fileName: String) throws -> String {
        let path = directory.file(fileName)
        if FileManager.default.fileExists(atPath: path) && !options.force { throw StageError.outputExists(path) }
        try AtomicStoreFile.removeStalePartials(in: directory.path)
        return path
    }
}

/// Why a stage refused to start; one line each.
public enum StageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The stage's output exists and `--force` was not given.
    case outputExists(String)
    /// The stage's input (`crystals.h5`, …) is missing: the stage that makes it has not run.
    case missingInput(String, makeWith: String)
    /// The input exists but was made in a way this stage cannot use.
    case incompatibleInput(String, reason: String)
    /// A `--model` that names no known model.
    case unknownModel(String)

    /// Why graphs without a line graph do not suit `reader` (a coNGN model or encoder), as an `incompatibleInput`
    /// reason.
    static func lineGraphNeeded(by reader: String) -> String {
        "\(reader) reads the line graph; rebuild the graphs with xtal graph --line-graph --force"
    }

    public var description: String {
        switch self {
        case .outputExists(let path): "\(path) exists; rerun with --force to replace it"
        case .missingInput(let path, let stage): "\(path) not found; run xtal \(stage) first"
        case .incompatibleInput(let path, let reason): "\(path): \(reason)"
        case .unknownModel(let name):
            "unknown model '\(name)': neither published:<property> (with <property>.h5 in --published-dir) nor "
                + "a model trained into models/\(name).h5 of the run directory"
        }
    }
}
