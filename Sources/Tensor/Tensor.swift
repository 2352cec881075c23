/// An n-dimensional array of `S`, row-major and contiguous, that can be tracked on a `Tape` for gradients.
///
/// Values are copied on write (Swift array semantics). A tensor made by an op from tracked inputs is
/// itself tracked on the same tape; untracked tensors (constants, gradients) cost nothing to record.
public struct Tensor<S: TensorScalar>: Sendable {
    /// Extent of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The elements in row-major order; `shape.product` of them.
    public let values: [S]
    /// The tape and node this tensor is recorded as, if any.
    let node: NodeReference<S>?

    /// A tensor of `shape` holding `values` (row-major).
    ///
    /// - Precondition: `values.count` is the product of `shape`.
    public init(shape: [Int], values: [S]) {
        precondition(
            shape.allSatisfy { $0 >= 0 } && values.count == shape.reduce(1, *),
            "Tensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
        node = nil
    }

    init(shape: [Int], values: [S], node: NodeReference<S>?) {
        self.shape = shape
        self.values = values
        self.node = node
    }

    /// A scalar (rank-0) tensor.
    public init(_ value: S) { self.init(shape: [], values: [value]) }

    /// A tensor of `shape` filled with `value`.
    @_specialize(where S == Float)
    public init(repeating value: S, shape: [Int]) {
        let values = [S].filled(count: shape.reduce(1, *)) { range, o in
            (o + range.lowerBound).initialize(repeating: value, count: range.count)
        }
        self.init(shape: shape, values: values)
    }

    /// Number of elements.
    public var count: Int { values.count }

    /// Whether every element is finite (no NaN, no infinity).
    ///
    /// A plain loop, specialised for Float: `allSatisfy(\.isFinite)` projected the key path per element, unspecialised
    /// across modules, which took a quarter of a coGN training epoch (the trainer checks every gradient each step).
    public var isFinite: Bool { Self.allFinite(values) }

    /// Whether every one of `values` is finite; stops at the first that is not.
    @_specialize(where S == Float)
    static func allFinite(_ values: [S]) -> Bool {
        values.withUnsafeBufferPointer { buffer in
            for value in buffer where !value.isFinite { return false }
            return true
        }
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// The single value of a one-element tensor.
    public var scalar: S {
        precondition(count == 1, "Tensor.scalar: shape \(shape) holds \(count) values")
        return values[0]
    }

    /// Whether this tensor is recorded on a tape.
    public var isTracked: Bool { node?.tape != nil }

    /// The same values, not recorded: gradients do not flow through it.
    public var detached: Tensor { Tensor(shape: shape, values: values) }
}

/// Where a tensor is recorded: its tape, held weakly, and its node there.
///
/// The tape's backward closures hold their input tensors; a strong reference back to the tape would make a
/// cycle that keeps every pass's activations alive after the tape is dropped. Once the tape is gone, the
/// tensor is a constant.
struct NodeReference<S: TensorScalar>: @unchecked Sendable {
    weak var tape: Tape<S>?
    let id: Int
}
