extension Tensor {
    /// The result of an op: recorded on the tape of its tracked inputs (with `backward`), or a plain tensor
    /// when none is tracked, in which case `backward` is never kept.
    static func result(
        shape: [Int], values: [S], inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        guard let tape = inputs.lazy.compactMap({ $0.node?.tape }).first else {
            return Tensor(shape: shape, values: values)
        }
        return tape.record((shape, values), inputs: inputs, backward: backward)
    }

    /// Elementwise sum with a tensor of the same shape, untracked (gradient accumulation).
    func adding(_ other: Tensor) -> Tensor {
        precondition(shape == other.shape, "Tensor.adding: \(shape) + \(other.shape)")
        var out = values
        other.values.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in for i in o.indices { o[i] += b[i] } }
        }
        return Tensor(shape: shape, values: out)
    }
}
