import Foundation
import Pipeline
import Store

/// One line about a stage's output file for `xtal status`: what it holds and when it was written.
struct OutputSummary {
    /// What the file holds (`4764 crystals, 12 rejects`, `…, 30 duplicates dropped`), or why that could not be read.
    let contents: String
    /// When it was written: its provenance `finished_at`, else the file's modification time; `nil` if absent.
    let written: String?

    /// Reads the summary of `path` (an `.h5` stage output, a folder or any file).
    init(path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            contents = "missing"
            written = nil
            return
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = (attributes?[.modificationDate] as? Date).map { ISO8601DateFormatter().string(from: $0) }
        if isDirectory.boolValue {
            let count = (try? FileManager.default.contentsOfDirectory(atPath: path).count) ?? 0
            contents = "\(count) files"
            written = modified
            return
        }
        guard path.hasSuffix(".h5"), let root = try? StoreFile.open(path).root else {
            let size = (attributes?[.size] as? Int) ?? 0
            contents = ByteCountFormatter.string(fromByteCount: Int64(size), countStyle: .file)
            written = modified
            return
        }
        contents = (try? Self.describe(root)) ?? "unreadable"
        written = (try? root.stringAttribute("provenance_finished_at")) ?? modified
    }

    /// Counts by the file's encoding (docs/store-format.md).
    private static func describe(_ root: StoreGroup) throws -> String {
        func rows(_ group: StoreGroup, _ name: String) throws -> Int {
            group.contains(name) ? try group.dataset(name).shape().first ?? 0 : 0
        }
        func last(_ group: StoreGroup, _ name: String) throws -> Int64 {
            try group.read(name, as: Int64.self).values.last ?? 0
        }
        switch try root.stringAttribute("encoding_type") {
        case "crystals":
            var (rejects, duplicates) = (0, 0)
            if root.contains("rejects") {
                let group = try root.group("rejects")
                let kinds = group.contains("kind") ? try group.readStrings("kind") : []
                duplicates = kinds.filter { $0 == "duplicate" }.count
                rejects = try rows(group, "reason") - duplicates
            }
            let dropped = duplicates > 0 ? ", \(duplicates) duplicates dropped" : ""
            return "\(try rows(root, "graph_id")) crystals, \(rejects) rejects\(dropped)"
        case "graphs":
            return "\(try rows(root, "graph_id")) graphs, \(try last(root, "edge_ptr")) edges"
        case "predictions":
            let models = try root.childNames().filter { (try? root.group($0)) != nil }
            let targets = try models.reduce(0) { $0 + (try root.group($1).childNames().count) }
            let plural = models.count == 1 ? "" : "s"
            return "\(try rows(root, "graph_id")) crystals × \(models.count) model\(plural), \(targets) targets"
        case "ranking":
            let shortlisted = try root.read("shortlisted", as: UInt8.self).values.filter { $0 != 0 }.count
            return "\(try rows(root, "graph_id")) ranked, \(shortlisted) shortlisted"
        case TrainedModel.encoding:
            let members = try root.attribute("members", as: Int64.self)
            return "\(members) member\(members == 1 ? "" : "s")"
        case PretrainedEncoder.encoding:
            let history = try CanonicalJSON.decode(PretrainHistory.self, from: try root.stringAttribute("history"))
            return "\(try root.stringAttribute("method")) encoder, \(history.loss.count) epochs"
        case let other:
            return other
        }
    }
}
