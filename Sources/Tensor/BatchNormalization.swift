// Batch normalisation as one op with its analytic backward: composing it from means and broadcasts made
// ten passes and temporaries over the [n, f] input.
extension Tensor {
    /// (x − μ) / √(σ² + ε) · γ + β per column of an [n, f] matrix, with the batch's mean μ and biased variance
    /// σ²; also returns μ and σ² (for running statistics).
    ///
    /// Backward, with x̂ = (x − μ)/√(σ² + ε): dγ = Σₙ g·x̂, dβ = Σₙ g,
    /// dx = γ/√(σ² + ε) · (g − mean(g) − x̂ · mean(g·x̂)) (Ioffe & Szegedy 2015).
    @_specialize(where S == Float)
    public func batchNormalized(scale gamma: Tensor, shift beta: Tensor, epsilon: S) -> (
        output: Tensor, mean: [S], variance: [S]
    ) {
        precondition(
            rank == 2 && gamma.shape == [shape[1]] && beta.shape == [shape[1]] && shape[0] > 0,
            "batchNormalized: x \(shape), γ \(gamma.shape), β \(beta.shape)")
        let (n, f) = (shape[0], shape[1])
        var mean = [S](repeating: 0, count: f)
        var variance = [S](repeating: 0, count: f)
        values.withUnsafeBufferPointer { x in
            for r in 0..<n { for j in 0..<f { mean[j] += x[r * f + j] } }
            for j in 0..<f { mean[j] /= S(n) }
            for r in 0..<n {
                for j in 0..<f {
                    let d = x[r * f + j] - mean[j]
                    variance[j] += d * d
                }
            }
            for j in 0..<f { variance[j] /= S(n) }
        }
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let normalized = values.withUnsafeBufferPointer { x in
            [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                for i in range {
                    let j = i % f
                    o[i] = (x[i] - mean[j]) * inverse[j]
                }
            }
        }
        let (g, b) = (gamma.values, beta.values)
        let out = normalized.withUnsafeBufferPointer { h in
            [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                for i in range { o[i] = h[i] * g[i % f] + b[i % f] }
            }
        }
        let result = Self.result(shape: shape, values: out, inputs: [self, gamma, beta]) { grad in
            var dGamma = [S](repeating: 0, count: f)
            var dBeta = [S](repeating: 0, count: f)
            grad.values.withUnsafeBufferPointer { gv in
                normalized.withUnsafeBufferPointer { h in
                    for r in 0..<n {
                        for j in 0..<f {
                            dBeta[j] += gv[r * f + j]
                            dGamma[j] += gv[r * f + j] * h[r * f + j]
                        }
                    }
                }
            }
            let dx = grad.values.withUnsafeBufferPointer { gv in
                normalized.withUnsafeBufferPointer { h in
                    [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                        for i in range {
                            let j = i % f
                            o[i] = g[j] * inverse[j] * (gv[i] - dBeta[j] / S(n) - h[i] * dGamma[j] / S(n))
                        }
                    }
                }
            }
            return [
                Tensor(shape: [n, f], values: dx), Tensor(shape: [f], values: dGamma),
                Tensor(shape: [f], values: dBeta),
            ]
        }
        return (result, mean, variance)
    }
}
