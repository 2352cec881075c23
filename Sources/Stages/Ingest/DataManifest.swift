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

/// Finds the data manifest of input files, reading each `data-manifest.json` once and remembering which
/// directories have none, so a folder of thousands of files costs one lookup per directory.
struct DataManifestIndex {
    private var byDirectory: [String: (manifest: DataManifest, directory: String)?] = [:]

    /// The manifest entry for `file`, searching its directory and then its parents.
    mutating func entry(for file: String) throws -> DataManifest.Entry? {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        var directory = (absolute as NSString).deletingLastPathComponent
        while true {
            if let found = try manifest(in: directory) {
                let relative = String(absolute.dropFirst(found.directory.count + 1))
                if let entry = found.manifest.files.first(where: { $0.path == relative }) { return entry }
            }
            let parent = (directory as NSString).deletingLastPathComponent
            if parent == directory || parent.isEmpty { return nil }
            directory = parent
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
