extension Tensor {
    /// The result of an op: recorded on the tape of its tracked inputs (with `backward`), or a plain tensor
    /// when none is tracked, in which case `backward` is never kept.
    static func result(
        shape: [Int], values: [S], inputs: [Tensor], backward: @escaping (inout Tensor) -> [Tensor?]
    ) -> Tensor {
        guard let tape = inputs.lazy.compactMap({ $0.node?.tape }).first else {
            return Tensor(shape: shape, values: values)
        }
        return tape.record((shape, values), inputs: inputs, backward: backward)
    }

    /// Adds a tensor of the same shape elementwise, untracked (gradient accumulation); in place when this tensor's
    /// storage is not shared.
    mutating func accumulate(_ other: Tensor) {
        precondition(shape == other.shape, "Tensor.accumulate: \(shape) + \(other.shape)")
        var sum = Self.takeValues(&self)
        other.values.withUnsafeBufferPointer { b in
            sum.withUnsafeMutableBufferPointer { o in for i in o.indices { o[i] += b[i] } }
        }
        self = Tensor(shape: other.shape, values: sum)
    }

    /// `tensor`'s values, leaving it empty: when nothing else holds them, the caller's array is their only
    /// reference and writes to it happen in place (a backward reusing its output gradient's storage).
    static func takeValues(_ tensor: inout Tensor) -> [S] {
        let values = tensor.values
        tensor = Tensor(shape: [0], values: [])
        return values
    }
}
