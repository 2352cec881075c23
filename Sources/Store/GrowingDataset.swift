import CHDF5

/// The dataset behind an appender: rows are written in whole chunks, and the dataset itself is created at
/// the first write.
///
/// Creating it late lets a dataset written in one go (everything fitting in one chunk, the usual case for
/// small runs) get a chunk of exactly its own size, instead of a full-size chunk padded with nothing: a
/// 1 MiB chunk of string references for ten crystals would otherwise be stored whole. Larger datasets get
/// chunks of `options.chunkBytes`. Shared by `DatasetAppender` and `StringAppender`.
///
/// With zstd and rows whose memory bytes are their file bytes (`rawRows`), full chunks are compressed by
/// `ChunkCompression` (on other threads when `options.threads > 1`) and written with `H5Dwrite_chunk`
/// `writeLag` chunks later, in order: the writer of a stage, one thread, no longer compresses every chunk
/// itself (a fifth of `xtal-graph`'s time), and since the HDF5 calls come in the same order for any thread
/// count, so do the file's bytes.
final class GrowingDataset {
    private let group: StoreGroup
    private let name: String
    private let rowShape: [Int]
    private let fileType: hid_t
    private let elementBytes: Int
    /// Bytes of one row in memory.
    private let rowBytes: Int
    private let options: DatasetOptions
    /// Rows per chunk once the dataset grows past one write.
    let chunkRows: Int
    private var dataset: StoreDataset?
    private(set) var writtenRows = 0
    /// The zstd level of full chunks compressed outside HDF5, or nil to let HDF5's filter compress them.
    private let directLevel: Int32?
    /// Chunks compressed or being compressed and not written yet, oldest first.
    private var compressing: [ChunkCompression] = []
    /// Full chunks kept back before they are written: room for the next chunks to be compressed meanwhile.
    static let writeLag = 2

    /// Prepares `name` in `group`: rows of `rowShape` elements of `fileType` (`elementBytes` each in memory).
    ///
    /// `rawRows`: the rows' bytes in memory are their bytes in the file (numbers on a little-endian host), so
    /// full chunks may be compressed away from HDF5. `fileType` must stay valid until `finish()` returns.
    init(
        _ group: StoreGroup, _ name: String, rowShape: [Int], fileType: hid_t, elementBytes: Int,
        options: DatasetOptions, rawRows: Bool = false
    ) {
        self.group = group
        self.name = name
        self.rowShape = rowShape
        self.fileType = fileType
        self.elementBytes = elementBytes
        self.options = options
        rowBytes = rowShape.reduce(elementBytes, *)
        chunkRows = options.chunkRows(rowBytes: rowBytes)
        if case .zstd(let level) = options.compression, rawRows, hostIsLittleEndian {
            directLevel = level
        } else {
            directLevel = nil
        }
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
        if let level = directLevel, !isLast, rows == chunkRows, range.lowerBound % chunkRows == 0, let values {
            let bytes = UnsafeRawBufferPointer(start: values, count: rows * rowBytes)
            compressing.append(
                ChunkCompression(
                    chunk: range.lowerBound / chunkRows, source: bytes, level: level, background: options.threads > 1))
            try writeCompressed(target, count: compressing.count - Self.writeLag)
        } else {
            try target.withRowSelection(range, full: full) { memorySpace, fileSpace in
                try target.call("H5Dwrite") {
                    H5Dwrite(target.objectID, memoryType, memorySpace, fileSpace, xs_H5P_DEFAULT(), values)
                }
            }
        }
        writtenRows = range.upperBound
    }

    /// Writes the oldest `count` chunks kept back, waiting for their compression.
    private func writeCompressed(_ target: StoreDataset, count: Int) throws {
        for _ in 0..<max(0, count) {
            let next = compressing[0]
            guard let frame = next.wait() else {
                throw StoreError.hdf5(
                    file: target.file.path, object: target.path, operation: "compressing chunk \(next.chunk)",
                    message: "zstd failed")
            }
            var offset = [hsize_t](repeating: 0, count: 1 + rowShape.count)
            offset[0] = hsize_t(next.chunk * chunkRows)
            _ = try frame.withUnsafeBytes { bytes in
                try target.call("H5Dwrite_chunk \(next.chunk)") {
                    H5Dwrite_chunk(target.objectID, xs_H5P_DEFAULT(), 0, offset, bytes.count, bytes.baseAddress)
                }
            }
            compressing.removeFirst()
        }
    }

    /// The finished dataset (created empty if nothing was written), every chunk written.
    func finish() throws -> StoreDataset {
        if let dataset {
            try writeCompressed(dataset, count: compressing.count)
            return dataset
        }
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
