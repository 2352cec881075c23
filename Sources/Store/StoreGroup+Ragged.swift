/// Ragged (CSR) arrays: a values dataset plus an `Int64` offsets dataset, which several values datasets may
/// share (`node_atomic_number` and `node_frac_coords` both use `node_ptr`).
extension StoreGroup {
    /// Writes `array.values` as `name` and `array.ptr` as `ptrName`.
    ///
    /// If `ptrName` already exists (written with an earlier values dataset) it must hold the same offsets.
    public func write<T: StoreScalar>(
        _ name: String, ragged array: RaggedArray<T>, ptrName: String, options: DatasetOptions = DatasetOptions()
    ) throws {
        if contains(ptrName) {
            let existing = try read(ptrName, as: Int64.self).values
            precondition(existing == array.ptr, "StoreGroup.write(ragged:): \(name) does not match existing \(ptrName)")
        } else {
            try write(ptrName, array.ptr, options: options)
        }
        try write(name, array.values, options: options)
    }

    /// Reads the ragged array stored as `name` with offsets `ptrName`.
    ///
    /// - Throws: `StoreError.corrupt` when the offsets do not describe the values (not starting at 0,
    ///   decreasing, or not ending at the row count).
    public func readRagged<T: StoreScalar>(_ name: String, ptrName: String, as type: T.Type = T.self) throws
        -> RaggedArray<T>
    {
        let ptr = try read(ptrName, as: Int64.self)
        let values = try read(name, as: type)
        guard ptr.shape.count == 1, let array = RaggedArray(values: values, ptr: ptr.values) else {
            throw StoreError.corrupt(
                file: file.path, object: childPath(ptrName),
                reason: "offsets do not describe the \(values.rowCount) rows of \(name)")
        }
        return array
    }
}

/// Appends ragged items one at a time: their rows to a values dataset and their end offsets to a
/// `ptr` dataset, with memory bounded by one chunk of each.
public final class RaggedAppender<T: StoreScalar> {
    private let values: DatasetAppender<T>
    private let ptr: DatasetAppender<Int64>
    private var end: Int64 = 0

    /// Creates `name` (rows of `rowShape`) and `ptrName` in `group`; `ptrName` starts as `[0]`.
    public init(
        _ group: StoreGroup, _ name: String, ptrName: String, rowShape: [Int] = [],
        options: DatasetOptions = DatasetOptions()
    ) throws {
        values = DatasetAppender(group, name, rowShape: rowShape, options: options)
        ptr = DatasetAppender(group, ptrName, options: options)
        try ptr.append(0)
    }

    /// The number of items appended.
    public var count: Int { ptr.rowCount - 1 }

    /// Appends one item's flat values (a multiple of the row size).
    public func append<C: Collection<T>>(item: C) throws {
        try values.append(contentsOf: item)
        end = Int64(values.rowCount)
        try ptr.append(end)
    }

    /// Appends several items at once: their flat values concatenated, and each item's number of rows.
    public func append(items values: [T], rowCounts: [Int]) throws {
        try self.values.append(contentsOf: values)
        var ends: [Int64] = []
        ends.reserveCapacity(rowCounts.count)
        for count in rowCounts {
            end += Int64(count)
            ends.append(end)
        }
        precondition(
            end == Int64(self.values.rowCount), "RaggedAppender.append(items:): row counts do not match values")
        try ptr.append(contentsOf: ends)
    }

    /// Writes what is buffered; both datasets are complete after this returns.
    public func finish() throws {
        try values.finish()
        try ptr.finish()
    }
}
