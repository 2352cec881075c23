import Store

/// The predictions of `predictions.h5` (docs/store-format.md §7): one column of means per model and target.
struct PredictionsSummary {
    /// One model's predictions of one target.
    struct Column {
        /// The model as given to `--model` (`published:band-gap`, `mt-cgcnn`).
        var model: String
        var target: String
        var classification: Bool
        var units: String
        /// One value per crystal in `ids` order; NaN where the model gave none.
        var mean: [Double]
    }

    /// Crystal ids, in `graphs.h5` order.
    var ids: [String]
    var columns: [Column] = []

    /// Number of distinct models.
    var modelCount: Int { Set(columns.map(\.model)).count }

    /// Reads `path`.
    ///
    /// - Throws: `StoreError` when the file or a group is of another encoding or version, or a column does not
    ///   have one value per crystal.
    init(path: String) throws {
        let root = try StoreFile.open(path).root
        try root.requireEncoding("predictions", supported: ["2"])
        ids = try root.readStrings("graph_id")
        for groupName in try root.childNames().sorted() {
            // Root datasets are per-crystal columns (`graph_id`, `graph_note`); every group is a model.
            guard !groupName.hasPrefix("graph_") else { continue }
            let group = try root.group(groupName)
            let model = group.hasAttribute("model") ? try group.stringAttribute("model") : groupName
            for target in try group.childNames().sorted() {
                let targetGroup = try group.group(target)
                let mean = try targetGroup.read("mean", as: Double.self).values
                guard mean.count == ids.count else {
                    throw StoreError.corrupt(
                        file: path, object: "/\(groupName)/\(target)/mean",
                        reason: "\(mean.count) values for \(ids.count) crystals")
                }
                let task = targetGroup.hasAttribute("task") ? try targetGroup.stringAttribute("task") : "regression"
                let units = targetGroup.hasAttribute("units") ? try targetGroup.stringAttribute("units") : ""
                columns.append(
                    Column(
                        model: model, target: target, classification: task == "classification", units: units,
                        mean: mean))
            }
        }
    }
}
