import CHDF5

/// Appends variable-length UTF-8 strings to a new rank-1 dataset, holding at most one chunk in memory.
///
/// The dataset is created at the first write, so one that fits in a chunk gets a chunk of its own size (see
/// `GrowingDataset`); strings are stored unfiltered (the chunk holds heap references, not text).
public final class StringAppender {
    /// Strings appended so far.
    public private(set) var count = 0
    private let type: hid_t
    private let target: GrowingDataset
    private var buffer: [String] = []

    /// Prepares the string dataset `name` in `group`.
    public init(_ group: StoreGroup, _ name: String, options: DatasetOptions = DatasetOptions()) throws {
        var unfiltered = options
        unfiltered.compression = .none
        type = try StringCodec.makeType(file: group.file.path, object: group.childPath(name))
        target = GrowingDataset(group, name, rowShape: [], fileType: type, elementBytes: 16, options: unfiltered)
    }

    deinit { H5Tclose(type) }

    /// Appends one string.
    public func append(_ value: String) throws {
        buffer.append(value)
        count += 1
        if buffer.count == target.chunkRows { try flush(isLast: false) }
    }

    /// Writes what is buffered.
    ///
    /// - Returns: the complete dataset.
    @discardableResult
    public func finish() throws -> StoreDataset {
        try flush(isLast: true)
        return try target.finish()
    }

    private func flush(isLast: Bool) throws {
        guard !buffer.isEmpty else { return }
        try StringCodec.withCStrings(buffer) { pointers in
            try target.write(rows: buffer.count, isLast: isLast, memoryType: type, from: pointers)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
