/// A dense n-dimensional array in row-major (C) order: the in-memory form of one dataset.
///
/// `values.count` is the product of `shape`; a rank-0 array has `shape == []` and one value.
public struct NDArray<Element: Sendable>: Sendable {
    /// Extent of each axis, outermost first.
    public let shape: [Int]
    /// The elements, last axis fastest.
    public var values: [Element]

    /// Wraps `values` with `shape`.
    ///
    /// - Precondition: `values.count` equals the product of `shape`, and no extent is negative.
    public init(shape: [Int], values: [Element]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NDArray: negative extent in shape \(shape)")
        precondition(
            values.count == shape.reduce(1, *),
            "NDArray: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// A rank-1 array of `values`.
    public init(_ values: [Element]) {
        self.init(shape: [values.count], values: values)
    }

    /// The number of elements in one entry along the first axis (1 for rank ≤ 1).
    public var rowSize: Int { shape.dropFirst().reduce(1, *) }

    /// The extent of the first axis (1 for rank 0).
    public var rowCount: Int { shape.first ?? 1 }
}

extension NDArray: Equatable where Element: Equatable {}
