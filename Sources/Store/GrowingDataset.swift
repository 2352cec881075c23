import CHDF5

/// The dataset behind an appender: rows are written in whole chunks, and the dataset itself is created at
/// the first write.
///
/// Creating it late lets a dataset written in one go (everything fitting in one chunk, the usual case for
/// small runs) get a chunk of exactly its own size, instead of a full-size chunk padded with nothing: a
/// 1 MiB chunk of string references for ten crystals would otherwise be stored whole. Larger datasets get
/// chunks of `options.chunkBytes`. Shared by `DatasetAppender` and `StringAppender`.
final class GrowingDataset {
    private let group: StoreGroup
    private let name: String
    private let rowShape: [Int]
    private let fileType: hid_t
    private let elementBytes: Int
    private let options: DatasetOptions
    /// Rows per chunk once the dataset grows past one write.
    let chunkRows: Int
    private var dataset: StoreDataset?
    private(set) var writtenRows = 0

    /// Prepares `name` in `group`: rows of `rowShape` elements of `fileType` (`elementBytes` each in memory).
    ///
    /// `fileType` must stay valid until `finish()` returns.
    init(
        _ group: StoreGroup, _ name: String, rowShape: [Int], fileType: hid_t, elementBytes: Int,
        options: DatasetOptions
    ) {
        self.group = group
        self.name = name
        self.rowShape = rowShape
        self.fileType = fileType
        self.elementBytes = elementBytes
        self.options = options
        chunkRows = options.chunkRows(rowBytes: rowShape.reduce(elementBytes, *))
    }

    /// Appends `rows` rows from `values` (in `memoryType`), after which the dataset has `writtenRows` rows.
    ///
    /// `isLast` says no rows follow, so a dataset created by this write is sized to fit it.
    func write(rows: Int, isLast: Bool, memoryType: hid_t, from values: UnsafeRawPointer?) throws {
        guard rows > 0 else { return }
        let range = writtenRows..<(writtenRows + rows)
        let full = [range.upperBound] + rowShape
        let target: StoreDataset
        if let dataset {
            try dataset.call("H5Dset_extent") { H5Dset_extent(dataset.objectID, full.map { hsize_t($0) }) }
            target = dataset
        } else {
            target = try create(firstRows: isLast ? rows : 0)
            if !isLast {
                try target.call("H5Dset_extent") { H5Dset_extent(target.objectID, full.map { hsize_t($0) }) }
            }
        }
        try target.withRowSelection(range, full: full) { memorySpace, fileSpace in
            try target.call("H5Dwrite") {
                H5Dwrite(target.objectID, memoryType, memorySpace, fileSpace, xs_H5P_DEFAULT(), values)
            }
        }
        writtenRows = range.upperBound
    }

    /// The finished dataset (created empty if nothing was written).
    func finish() throws -> StoreDataset {
        if let dataset { return dataset }
        return try create(firstRows: 0)
    }

    /// Creates the dataset with `firstRows` rows (its chunks then hold at most that many, see `createDataset`).
    private func create(firstRows: Int) throws -> StoreDataset {
        let created = try group.createDataset(
            name, fileType: fileType, shape: [firstRows] + rowShape, elementBytes: elementBytes, options: options)
        dataset = created
        return created
    }
}
