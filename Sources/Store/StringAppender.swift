import CHDF5

/// Appends variable-length UTF-8 strings to a new rank-1 dataset, holding at most one chunk in memory.
public final class StringAppender {
    /// The dataset being written.
    public let dataset: StoreDataset
    /// Strings appended so far.
    public private(set) var count = 0
    private let chunkRows: Int
    private var buffer: [String] = []
    private var written = 0

    /// Creates the empty string dataset `name` in `group`.
    public init(_ group: StoreGroup, _ name: String, options: DatasetOptions = DatasetOptions()) throws {
        var unfiltered = options
        unfiltered.compression = .none
        let type = try StringCodec.makeType(file: group.file.path, object: group.childPath(name))
        defer { H5Tclose(type) }
        dataset = try group.createDataset(name, fileType: type, shape: [0], elementBytes: 16, options: unfiltered)
        chunkRows = unfiltered.chunkRows(rowBytes: 16)
    }

    /// Appends one string.
    public func append(_ value: String) throws {
        buffer.append(value)
        count += 1
        if buffer.count == chunkRows { try flush() }
    }

    /// Writes what is buffered; the dataset is complete after this returns.
    public func finish() throws { try flush() }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let rows = written..<(written + buffer.count)
        try dataset.call("H5Dset_extent") { H5Dset_extent(dataset.objectID, [hsize_t(rows.upperBound)]) }
        let type = try StringCodec.makeType(file: dataset.file.path, object: dataset.path)
        defer { H5Tclose(type) }
        try dataset.withRowSelection(rows, full: [rows.upperBound]) { memorySpace, fileSpace in
            _ = try StringCodec.withCStrings(buffer) { pointers in
                try dataset.call("H5Dwrite") {
                    H5Dwrite(dataset.objectID, type, memorySpace, fileSpace, xs_H5P_DEFAULT(), pointers)
                }
            }
        }
        written = rows.upperBound
        buffer.removeAll(keepingCapacity: true)
    }
}
