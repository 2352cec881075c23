import Store

/// What the report reads from `crystals.h5` (docs/store-format.md §5): ids, labels, rejects and dropped
/// duplicates, not the structures.
struct CrystalsSummary {
    /// A label column, NaN where a crystal has none.
    struct Label {
        var name: String
        var units: String
        var values: [Double]
    }

    /// A row of `rejects/`.
    struct Reject {
        var sourceFile: String
        var record: String
        var id: String
        var reason: String
    }

    /// Every crystal's id, in file order.
    var ids: [String]
    var labels: [Label] = []
    /// Records rejected as unusable (`rejects/kind` `error`, or every row of a version 1 group).
    var rejects: [Reject] = []
    /// Records dropped as copies of crystals kept earlier (`rejects/kind` `duplicate`, `ingest --unique`); the
    /// reason is `duplicate of ID`.
    var duplicates: [Reject] = []

    /// Reads `path`.
    ///
    /// - Throws: `StoreError` when the file, or its `labels`/`rejects` group, is of another encoding or version,
    ///   or a dataset is missing or inconsistent.
    init(path: String) throws {
        let root = try StoreFile.open(path).root
        try root.requireEncoding("crystals", supported: ["1"])
        ids = try root.readStrings("graph_id")
        if root.contains("labels") {
            let group = try root.group("labels")
            try group.requireEncoding("labels", supported: ["1"])
            for name in try group.childNames().sorted() {
                let values = try group.read(name, as: Double.self).values
                guard values.count == ids.count else {
                    throw StoreError.corrupt(
                        file: path, object: "/labels/\(name)",
                        reason: "\(values.count) values for \(ids.count) crystals")
                }
                let dataset = try group.dataset(name)
                let units = dataset.hasAttribute("units") ? try dataset.stringAttribute("units") : ""
                labels.append(Label(name: name, units: units, values: values))
            }
        }
        if root.contains("rejects") {
            let group = try root.group("rejects")
            try group.requireEncoding("rejects", supported: ["1", "2"])
            let names = ["source_file", "record", "id", "reason"] + (group.contains("kind") ? ["kind"] : [])
            let columns = try names.map { try group.readStrings($0) }
            guard Set(columns.map(\.count)).count == 1 else {
                throw StoreError.corrupt(
                    file: path, object: "/rejects", reason: "columns of different lengths \(columns.map(\.count))")
            }
            for row in 0..<columns[0].count {
                let reject = Reject(
                    sourceFile: columns[0][row], record: columns[1][row], id: columns[2][row], reason: columns[3][row])
                if columns.count == 5 && columns[4][row] == "duplicate" {
                    duplicates.append(reject)
                } else {
                    rejects.append(reject)
                }
            }
        }
    }
}
