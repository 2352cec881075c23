/// Ragged per-item data in CSR form: the items' rows concatenated in `values`, and `ptr` offsets so that
/// item `i` owns rows `ptr[i]..<ptr[i+1]` (AnnData's `indptr`; the store's `node_ptr` / `edge_ptr`).
///
/// Shapes: `values` is `[R, …]` for `R` rows in all; `ptr` has `count + 1` entries, `ptr[0] == 0`,
/// non-decreasing, `ptr[count] == R`.
public struct RaggedArray<Element: Sendable>: Sendable {
    /// All rows, item after item.
    public let values: NDArray<Element>
    /// Row offsets, `count + 1` entries.
    public let ptr: [Int64]

    /// Wraps `values` and `ptr`; returns `nil` if `ptr` breaks the CSR invariants.
    public init?(values: NDArray<Element>, ptr: [Int64]) {
        guard RaggedArray.isValid(ptr: ptr, rowCount: values.rowCount) else { return nil }
        self.values = values
        self.ptr = ptr
    }

    /// Builds a ragged array from per-item rows (each item's flat values, a multiple of the row size).
    ///
    /// - Parameters:
    ///   - items: each item's flat values.
    ///   - rowShape: the shape of one row, `[]` for scalars.
    public init(items: [[Element]], rowShape: [Int] = []) {
        let rowSize = rowShape.reduce(1, *)
        var ptr: [Int64] = [0]
        ptr.reserveCapacity(items.count + 1)
        var flat: [Element] = []
        for item in items {
            precondition(
                rowSize > 0 && item.count % rowSize == 0,
                "RaggedArray: item of \(item.count) values for rows of shape \(rowShape)")
            flat.append(contentsOf: item)
            ptr.append(ptr[ptr.count - 1] + Int64(item.count / rowSize))
        }
        self.values = NDArray(shape: [flat.count / max(rowSize, 1)] + rowShape, values: flat)
        self.ptr = ptr
    }

    /// The number of items.
    public var count: Int { ptr.count - 1 }

    /// The flat values of item `index`.
    public subscript(index: Int) -> ArraySlice<Element> {
        precondition(index >= 0 && index < count, "RaggedArray: item \(index) outside 0..<\(count)")
        let rowSize = values.rowSize
        return values.values[(Int(ptr[index]) * rowSize)..<(Int(ptr[index + 1]) * rowSize)]
    }

    /// Whether `ptr` starts at 0, never decreases, and ends at `rowCount`.
    static func isValid(ptr: [Int64], rowCount: Int) -> Bool {
        guard let first = ptr.first, let last = ptr.last, first == 0, last == Int64(rowCount) else { return false }
        return zip(ptr, ptr.dropFirst()).allSatisfy { $0 <= $1 }
    }
}

extension RaggedArray: Equatable where Element: Equatable {}
