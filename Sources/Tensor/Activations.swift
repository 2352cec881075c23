// Activation functions, each with its derivative written from the forward value.
extension Tensor {
    /// A unary op whose derivative is a function of the input x and output y.
    ///
    /// Always inlined, so `forward` and `derivative` are inlined into the loops (measured: as calls, they
    /// made softplus and sigmoid several times slower and kept the loops from vectorising).
    @inline(__always)
    func activation(_ forward: (S) -> S, derivative: @escaping (_ x: S, _ y: S) -> S) -> Tensor {
        let out = map(forward)
        let x = values
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            let grad = g.values.withUnsafeBufferPointer { gv in
                [S].filled(count: g.count) { range, o in
                    for i in range { o[i] = gv[i] * derivative(x[i], out[i]) }
                }
            }
            return [Tensor(shape: g.shape, values: grad)]
        }
    }

    /// log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so it neither overflows nor loses small values;
    /// derivative σ(x).
    @_specialize(where S == Float)
    public func softplus() -> Tensor {
        activation(
            { x in Swift.max(x, 0) + S.kernelLog1p(S.kernelExp(-Swift.abs(x))) },
            derivative: { x, _ in Self.sigmoid(x) })
    }

    /// σ(x) = 1 / (1 + e⁻ˣ), evaluated on the side where the exponential cannot overflow; derivative y(1 − y).
    @_specialize(where S == Float)
    public func sigmoid() -> Tensor {
        activation(Self.sigmoid, derivative: { _, y in y * (1 - y) })
    }

    /// max(x, 0); derivative 1 for x > 0, else 0.
    @_specialize(where S == Float)
    public func relu() -> Tensor {
        activation({ Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 })
    }

    /// x · σ(x) (SiLU, "swish"); derivative σ(x)(1 + x(1 − σ(x))).
    @_specialize(where S == Float)
    public func silu() -> Tensor {
        activation(
            { x in x * Self.sigmoid(x) },
            derivative: { x, _ in
                let s = Self.sigmoid(x)
                return s * (1 + x * (1 - s))
            })
    }

    /// tanh(x); derivative 1 − y².
    @_specialize(where S == Float)
    public func tanh() -> Tensor {
        activation(S.tanh, derivative: { _, y in 1 - y * y })
    }

    /// σ(x) without overflow for large |x|.
    @inline(__always)
    static func sigmoid(_ x: S) -> S {
        // e^(−|x|) ≤ 1 on both sides, so nothing overflows and no result is subnormal.
        let e = S.kernelExp(-Swift.abs(x))
        return x >= 0 ? 1 / (1 + e) : e / (1 + e)
    }

    /// log-softmax over the last axis: x − max − log Σ e^(x − max); the gradient is g − softmax · Σg.
    @_specialize(where S == Float)
    public func logSoftmax() -> Tensor {
        precondition(rank >= 1, "logSoftmax: shape \(shape)")
        let width = shape[rank - 1]
        let rows = width == 0 ? 0 : count / width
        var out = [S](repeating: 0, count: count)
        for row in 0..<rows {
            let base = row * width
            var top = -S.infinity
            for i in 0..<width { top = Swift.max(top, values[base + i]) }
            var sum: S = 0
            for i in 0..<width { sum += S.exp(values[base + i] - top) }
            let logSum = top + S.log(sum)
            for i in 0..<width { out[base + i] = values[base + i] - logSum }
        }
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            var grad = [S](repeating: 0, count: g.count)
            for row in 0..<rows {
                let base = row * width
                var total: S = 0
                for i in 0..<width { total += g.values[base + i] }
                for i in 0..<width { grad[base + i] = g.values[base + i] - S.exp(out[base + i]) * total }
            }
            return [Tensor(shape: g.shape, values: grad)]
        }
    }
}
