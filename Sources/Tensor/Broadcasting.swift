/// NumPy broadcasting: shapes are aligned at their last axis; an axis of extent 1 (or a missing leading
/// axis) stretches to the other's extent.
enum Broadcasting {
    /// The broadcast shape of `a` and `b`.
    ///
    /// - Precondition: the shapes are compatible (`op` names the operation in the message).
    static func shape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        return (0..<rank).map { axis in
            precondition(
                pa[axis] == pb[axis] || pa[axis] == 1 || pb[axis] == 1, "\(op): shapes \(a) and \(b) do not broadcast")
            return pa[axis] == 1 ? pb[axis] : pa[axis]
        }
    }

    /// For each element of `output`, the index of the element of an input of shape `input` it reads.
    static func sourceIndices(of input: [Int], in output: [Int]) -> [Int] {
        let count = output.reduce(1, *)
        if input == output { return Array(0..<count) }
        let rank = output.count
        let padded = [Int](repeating: 1, count: rank - input.count) + input
        var strides = [Int](repeating: 0, count: rank)
        var step = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            strides[axis] = padded[axis] == 1 ? 0 : step
            step *= padded[axis]
        }
        var indices = [Int](repeating: 0, count: count)
        var position = [Int](repeating: 0, count: rank)
        var source = 0
        for flat in 0..<count {
            indices[flat] = source
            var axis = rank - 1
            while axis >= 0 {
                position[axis] += 1
                source += strides[axis]
                if position[axis] < output[axis] { break }
                source -= strides[axis] * output[axis]
                position[axis] = 0
                axis -= 1
            }
        }
        return indices
    }

    /// `grad` (of the broadcast shape) summed back onto an input of shape `input`: the gradient of a
    /// broadcast is the sum over the axes it stretched.
    static func reduce<S: TensorScalar>(_ grad: Tensor<S>, to input: [Int]) -> Tensor<S> {
        if grad.shape == input { return grad.detached }
        let count = input.reduce(1, *)
        if count == 1 { return Tensor(shape: input, values: [grad.values.reduce(0, +)]) }
        if grad.rank == 2 {
            let (n, f) = (grad.shape[0], grad.shape[1])
            if input == [f] || input == [1, f] {  // a row broadcast: sum over rows
                return Tensor(shape: input, values: Tensor.rowSum(grad.values, rows: n, columns: f))
            }
            if input == [n, 1] {  // a column broadcast: sum over columns
                let out = grad.values.withUnsafeBufferPointer { g in
                    (0..<n).map { r in (0..<f).reduce(S(0)) { $0 + g[r * f + $1] } }
                }
                return Tensor(shape: input, values: out)
            }
        }
        var out = [S](repeating: 0, count: input.reduce(1, *))
        let indices = sourceIndices(of: input, in: grad.shape)
        for (flat, source) in indices.enumerated() { out[source] += grad.values[flat] }
        return Tensor(shape: input, values: out)
    }
}
