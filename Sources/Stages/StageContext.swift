import Foundation
import Pipeline
import Store
import Tensor

/// What every stage run holds: its options, run directory, shard, progress line and where one-line notes go.
struct StageContext {
    let options: StageOptions
    let directory: RunDirectory
    /// The share of the work this process does (`--shard`), nil for all of it.
    let shard: Shard?
    let progress: ProgressReporter
    /// Where one-line notes (rejects, fallbacks) go: standard error unless a caller (a test) replaces it.
    var report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Opens (creating if needed) the run directory `options.store` for stage `label`.
    init(label: String, options: StageOptions, shard: Shard? = nil) throws {
        Parallelism.stopBLASThreads()
        self.options = options
        self.shard = shard
        directory = try RunDirectory(options.store)
        let name = shard.map { "\(label) \($0)" } ?? label
        progress = ProgressReporter(label: name, total: nil, quiet: options.quiet)
    }

    /// The path of output `fileName` in the run directory (sharded: this shard's file, `Shard.path(of:)`), once
    /// it may be written: it must not exist unless `--force` was given, and `.partial` files left by killed runs
    /// are removed (a shard removes only its own: its siblings may be writing theirs).
    ///
    /// - Throws: `StageError.outputExists`, or `StoreError` when a stale partial cannot be removed.
    func outputPath(_ fileName: String) throws -> String {
        guard let shard else {
            let path = directory.file(fileName)
            if FileManager.default.fileExists(atPath: path) && !options.force { throw StageError.outputExists(path) }
            try AtomicStoreFile.removeStalePartials(in: directory.path)
            return path
        }
        let path = directory.file(shard.path(of: fileName))
        if FileManager.default.fileExists(atPath: path) && !options.force { throw StageError.outputExists(path) }
        let folder = directory.file(Shard.folder(of: fileName))
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io(file: folder, operation: "creating the shard folder", errno: posixCode(of: error))
        }
        unlink(path + AtomicStoreFile.partialSuffix)
        return path
    }

    /// The part of `total` items this process does: all of them, or its shard's range.
    func range(of total: Int) -> Range<Int> { shard?.range(of: total) ?? 0..<total }

    /// The part of `total` items this process does, in whole blocks of `block` counted from the first item:
    /// stages that compute a block at a time (predict, embed) then see the same blocks sharded or not, so
    /// their numbers agree to the last bit (a matrix product's rounding may depend on how many rows it has).
    func range(of total: Int, block: Int) -> Range<Int> {
        guard let shard else { return 0..<total }
        let blocks = shard.range(of: (total + block - 1) / block)
        return min(total, blocks.lowerBound * block)..<min(total, blocks.upperBound * block)
    }

    /// Records on a shard file's root which items of how many it holds; does nothing unsharded.
    ///
    /// The attributes (`shard_index`, `shard_count`, `shard_first`, `shard_end`, `shard_total`;
    /// docs/store-format.md §12) let `xtal stitch` check that the shards tile the work.
    func stampShard(_ root: StoreGroup, items: Range<Int>, of total: Int) throws {
        guard let shard else { return }
        try root.setAttribute("shard_index", Int64(shard.index))
        try root.setAttribute("shard_count", Int64(shard.count))
        try root.setAttribute("shard_first", Int64(items.lowerBound))
        try root.setAttribute("shard_end", Int64(items.upperBound))
        try root.setAttribute("shard_total", Int64(total))
    }

    /// Links a committed output into `store.h5` (`link` → `fileName`); a shard links nothing.
    ///
    /// The shard files of an earlier sharded run of the output, which it replaces, are removed. `xtal stitch`
    /// links a stitched file.
    func publish(_ link: String, fileName: String) throws {
        guard shard == nil else { return }
        try directory.link(link, to: fileName, toolVersion: XtalVersion.current)
        let folder = directory.file(Shard.folder(of: fileName))
        if FileManager.default.fileExists(atPath: folder) { try? FileManager.default.removeItem(atPath: folder) }
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
