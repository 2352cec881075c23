import CHDF5

/// Appends rows to a new chunked dataset without holding the whole dataset in memory.
///
/// Rows are buffered until a full chunk is ready, then the dataset is extended and the chunk written, so
/// memory stays at one chunk and each chunk is compressed once. Call `finish()` to write the last partial
/// chunk; rows not finished are lost (the file is then incomplete, as a `.partial` file should be).
public final class DatasetAppender<T: StoreScalar> {
    /// The dataset being written.
    public let dataset: StoreDataset
    /// The shape of one row (the dataset's shape without its first axis).
    public let rowShape: [Int]
    /// Rows appended so far, written or buffered.
    public private(set) var rowCount = 0

    private let rowSize: Int
    private let chunkRows: Int
    private var buffer: [T] = []
    private var writtenRows = 0

    /// Creates the dataset `name` in `group`, with zero rows of `rowShape`.
    public init(
        _ group: StoreGroup, _ name: String, rowShape: [Int] = [], options: DatasetOptions = DatasetOptions()
    ) throws {
        self.rowShape = rowShape
        self.rowSize = rowShape.reduce(1, *)
        self.chunkRows = options.chunkRows(rowBytes: rowSize * MemoryLayout<T>.stride)
        self.dataset = try group.createDataset(
            name, fileType: T.fileType, shape: [0] + rowShape, elementBytes: MemoryLayout<T>.stride, options: options)
        buffer.reserveCapacity(chunkRows * rowSize)
    }

    /// Appends whole rows; `values.count` must be a multiple of the row size.
    public func append<C: Collection<T>>(contentsOf values: C) throws {
        precondition(
            rowSize == 0 ? values.isEmpty : values.count % rowSize == 0,
            "DatasetAppender.append: \(values.count) values for rows of shape \(rowShape)")
        guard rowSize > 0 else { return }
        var rest = values[...]
        while !rest.isEmpty {
            let room = chunkRows * rowSize - buffer.count
            let take = rest.prefix(room)
            buffer.append(contentsOf: take)
            rest = rest.dropFirst(take.count)
            if buffer.count == chunkRows * rowSize { try flush() }
        }
        rowCount += values.count / rowSize
    }

    /// Appends one value to a rank-1 dataset.
    public func append(_ value: T) throws {
        try append(contentsOf: CollectionOfOne(value))
    }

    /// Writes any buffered rows; the dataset is complete after this returns.
    ///
    /// - Returns: the number of rows in the dataset.
    @discardableResult
    public func finish() throws -> Int {
        try flush()
        return writtenRows
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let rows = buffer.count / rowSize
        let newShape = [writtenRows + rows] + rowShape
        try dataset.call("H5Dset_extent") { H5Dset_extent(dataset.objectID, newShape.map { hsize_t($0) }) }
        try dataset.withRowSelection(writtenRows..<(writtenRows + rows), full: newShape) { memorySpace, fileSpace in
            try buffer.withUnsafeBufferPointer { values in
                try dataset.call("H5Dwrite") {
                    H5Dwrite(
                        dataset.objectID, T.memoryType, memorySpace, fileSpace, xs_H5P_DEFAULT(), values.baseAddress)
                }
            }
        }
        writtenRows += rows
        buffer.removeAll(keepingCapacity: true)
    }
}
