import Foundation
import Store

/// What the report reads from a `models/<name>.h5` (docs/store-format.md §8): its targets, the test part of
/// its split and each member's training history — not the weights.
struct ModelSummary {
    /// The model's name (the file's stem), as `xtal-predict --model` names it.
    var name: String
    var architecture: String
    var targets: [TargetSpec]
    /// Ids of the crystals held out for testing (empty when the split has none).
    var testIDs: Set<String>
    /// Each member's per-epoch record.
    var histories: [TrainingHistory]

    /// Reads `path`, a model named `name`.
    ///
    /// - Throws: `StoreError` when the file is of another encoding or version, or an attribute is missing or not
    ///   the JSON it should be.
    init(name: String, path: String) throws {
        self.name = name
        let root = try StoreFile.open(path).root
        try root.requireEncoding("model", supported: ["1"])
        func decode<T: Decodable>(_ type: T.Type, _ text: String, _ object: String) throws -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw StoreError.corrupt(file: path, object: object, reason: "not valid JSON for it: \(error)")
            }
        }
        architecture = root.hasAttribute("architecture") ? try root.stringAttribute("architecture") : ""
        targets = try decode([TargetSpec].self, try root.stringAttribute("targets"), "/targets")
        var test: Set<String> = []
        if root.contains("split") {
            let split = try root.group("split")
            if split.contains("test_id") { test = Set(try split.readStrings("test_id")) }
        }
        testIDs = test
        let members = Int(try root.attribute("members", as: Int64.self))
        histories = try (0..<members).map { k in
            let group = try root.group("member_\(k)")
            return try decode(TrainingHistory.self, try group.stringAttribute("history"), "/member_\(k)/history")
        }
    }
}
