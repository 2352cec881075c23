import CHDF5

/// Appends rows to a new chunked dataset without holding the whole dataset in memory.
///
/// Rows are buffered until a full chunk is ready, then the dataset is extended and the chunk written (with
/// zstd, compressed on another thread and written two chunks later, `GrowingDataset`), so memory stays at a
/// few chunks and each chunk is compressed once. Call `finish()` to write the last partial
/// chunk and get the dataset; rows not finished are lost (the file is then incomplete, as a `.partial` file
/// should be). The dataset is created at the first write, so one that fits in a chunk gets a chunk of its
/// own size (see `GrowingDataset`).
public final class DatasetAppender<T: StoreScalar> {
    /// The shape of one row (the dataset's shape without its first axis).
    public let rowShape: [Int]
    /// Rows appended so far, written or buffered.
    public private(set) var rowCount = 0

    private let rowSize: Int
    private let chunkRows: Int
    private let target: GrowingDataset
    private var buffer: [T] = []

    /// Prepares the dataset `name` in `group`, of rows of `rowShape`.
    public init(
        _ group: StoreGroup, _ name: String, rowShape: [Int] = [], options: DatasetOptions = DatasetOptions()
    ) {
        self.rowShape = rowShape
        rowSize = rowShape.reduce(1, *)
        target = GrowingDataset(
            group, name, rowShape: rowShape, fileType: T.fileType, elementBytes: MemoryLayout<T>.stride,
            options: options, rawRows: true)
        chunkRows = target.chunkRows
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
            if buffer.count == chunkRows * rowSize { try flush(isLast: false) }
        }
        rowCount += values.count / rowSize
    }

    /// Appends one value to a rank-1 dataset.
    public func append(_ value: T) throws {
        try append(contentsOf: CollectionOfOne(value))
    }

    /// Writes any buffered rows.
    ///
    /// - Returns: the complete dataset.
    @discardableResult
    public func finish() throws -> StoreDataset {
        try flush(isLast: true)
        return try target.finish()
    }

    private func flush(isLast: Bool) throws {
        guard !buffer.isEmpty else { return }
        if buffer.capacity < chunkRows * rowSize && !isLast { buffer.reserveCapacity(chunkRows * rowSize) }
        try buffer.withUnsafeBytes { values in
            try target.write(
                rows: buffer.count / rowSize, isLast: isLast, memoryType: T.memoryType, from: values.baseAddress)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
