import Foundation
import Pipeline

/// `data-manifest.json`: every data file shipped under `data/`, with origin, licence, checksum and labels.
///
/// Ingest looks for a manifest in the directory of each input file and its parents; when the file is
/// listed, its SHA-256 must match before it is read.
struct DataManifest: Codable, Sendable {
    /// One listed file.
    struct Entry: Codable, Sendable {
        /// Path relative to the manifest's directory.
        var path: String
        var sha256: String
        var bytes: Int
        var origin: String
        var licence: String
        var description: String?
        var count: Int?
        /// Label name → unit.
        var labels: [String: String]?
    }

    var files: [Entry]
}

/// Finds the data manifest of input files, reading each `data-manifest.json` once and remembering, for every
/// directory holding inputs, which manifest (if any) covers it: a folder of thousands of files costs one
/// search per directory, then a dictionary lookup per file (path arithmetic in Foundation per file was half of
/// ingest's serial reader on a folder of CIFs).
struct DataManifestIndex: Sendable {
    private var byDirectory: [String: (manifest: DataManifest, directory: String)?] = [:]
    /// For each input directory as written: the manifest covering it and the directory's path relative to the
    /// manifest's folder ("" for the folder itself), or nil when none does.
    private var covering: [String: (manifest: DataManifest, prefix: String)?] = [:]

    /// The manifest entry for `file`, searching its directory and then its parents.
    mutating func entry(for file: String) throws -> DataManifest.Entry? {
        let base = InputFormat.lastComponent(file)
        let name = String(base)
        var directory = "."
        if base.startIndex != file.startIndex {
            let folder = String(file[..<file.index(before: base.startIndex)])
            directory = folder.isEmpty ? "/" : folder
        }
        let found: (manifest: DataManifest, prefix: String)?
        if let cached = covering[directory] {
            found = cached
        } else {
            found = try cover(directory)
            covering[directory] = found
        }
        guard let found else { return nil }
        let relative = found.prefix.isEmpty ? name : found.prefix + "/" + name
        return found.manifest.files.first { $0.path == relative }
    }

    /// The manifest in `directory` or its nearest parent that has one, with `directory` relative to it.
    private mutating func cover(_ directory: String) throws -> (manifest: DataManifest, prefix: String)? {
        let absolute = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL.path
        var folder = absolute
        while true {
            if let found = try manifest(in: folder) {
                let prefix =
                    absolute.count > found.directory.count ? String(absolute.dropFirst(found.directory.count + 1)) : ""
                return (found.manifest, prefix)
            }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder || parent.isEmpty { return nil }
            folder = parent
        }
    }

    private mutating func manifest(in directory: String) throws -> (manifest: DataManifest, directory: String)? {
        if let cached = byDirectory[directory] { return cached }
        let path = (directory as NSString).appendingPathComponent("data-manifest.json")
        var found: (DataManifest, String)?
        if FileManager.default.fileExists(atPath: path) {
            do {
                found = (
                    try JSONDecoder().decode(DataManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path))),
                    directory
                )
            } catch {
                throw PipelineError.io(path: path, message: "unreadable manifest: \(error)")
            }
        }
        byDirectory[directory] = found
        return found
    }

    /// Checks `file`, whose SHA-256 is `found`, against its manifest entry, if it has one.
    ///
    /// - Returns: the entry's label units, or `nil` when the file is not listed.
    /// - Throws: `PipelineError.checksumMismatch` naming the file when it differs from the manifest.
    mutating func verify(_ file: String, sha256 found: String) throws -> [String: String]? {
        guard let entry = try entry(for: file) else { return nil }
        guard found == entry.sha256 else {
            throw PipelineError.checksumMismatch(path: file, expected: entry.sha256, found: found)
        }
        return entry.labels ?? [:]
    }
}
