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

    /// The manifest entry for `file` and the manifest's path, searching upward from the file's directory.
    static func entry(for file: String) throws -> (entry: Entry, manifest: String)? {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL
        var directory = absolute.deletingLastPathComponent()
        while true {
            let candidate = directory.appendingPathComponent("data-manifest.json")
            if FileManager.default.fileExists(atPath: candidate.path) {
                let manifest: DataManifest
                do {
                    manifest = try JSONDecoder().decode(DataManifest.self, from: Data(contentsOf: candidate))
                } catch {
                    throw PipelineError.io(path: candidate.path, message: "unreadable manifest: \(error)")
                }
                let relative = String(absolute.path.dropFirst(directory.path.count + 1))
                if let entry = manifest.files.first(where: { $0.path == relative }) { return (entry, candidate.path) }
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    /// Checks `file` against its manifest entry, if it has one.
    ///
    /// - Returns: the entry's label units, or `nil` when the file is not listed.
    /// - Throws: `PipelineError.checksumMismatch` naming the file when it differs from the manifest.
    static func verify(_ file: String) throws -> [String: String]? {
        guard let (entry, _) = try entry(for: file) else { return nil }
        let found = try SHA256.hex(fileAt: file)
        guard found == entry.sha256 else {
            throw PipelineError.checksumMismatch(path: file, expected: entry.sha256, found: found)
        }
        return entry.labels ?? [:]
    }
}
