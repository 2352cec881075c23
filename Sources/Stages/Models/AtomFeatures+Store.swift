import Models
import Store

extension AtomFeatures {
    /// Writes the table into `group` as `atom_features_z` int32 [Z] and `atom_features` float32 [Z, width], so
    /// a model file carries the features it reads.
    func write(to group: StoreGroup, options: DatasetOptions) throws {
        let table = rows
        try group.write("atom_features_z", table.atomicNumbers.map { Int32($0) }, options: options)
        try group.write(
            "atom_features", NDArray(shape: [table.rows.count, width], values: table.rows.flatMap { $0 }),
            options: options)
    }

    /// The table `write(to:options:)` wrote into `group`.
    init(group: StoreGroup) throws {
        let numbers = try group.read("atom_features_z", as: Int32.self).values.map { Int($0) }
        let table = try group.read("atom_features", as: Float.self)
        let width = table.shape.count == 2 ? table.shape[1] : 0
        self.init(
            atomicNumbers: numbers,
            rows: (0..<numbers.count).map { Array(table.values[($0 * width)..<(($0 + 1) * width)]) })
    }
}
