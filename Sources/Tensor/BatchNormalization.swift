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

extension Tensor {
    /// x · scale + shift per column of an [n, f] matrix (scale and shift [f]), in one pass: evaluation-mode
    /// batch normalisation folds into it.
    ///
    /// Backward: dx = g · scale, dscale = Σₙ g · x, dshift = Σₙ g.
    @_specialize(where S == Float)
    public func affine(scale: Tensor, shift: Tensor) -> Tensor {
        precondition(
            rank == 2 && scale.shape == [shape[1]] && shift.shape == [shape[1]],
            "affine: x \(shape), scale \(scale.shape), shift \(shift.shape)")
        let (n, f) = (shape[0], shape[1])
        let (a, b) = (scale.values, shift.values)
        let x = values
        let out = x.withUnsafeBufferPointer { xv in
            [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                for i in range { o[i] = xv[i] * a[i % f] + b[i % f] }
            }
        }
        return Self.result(shape: shape, values: out, inputs: [self, scale, shift]) { grad in
            var dScale = [S](repeating: 0, count: f)
            var dShift = [S](repeating: 0, count: f)
            let dx = grad.values.withUnsafeBufferPointer { gv in
                x.withUnsafeBufferPointer { xv in
                    for i in 0..<(n * f) {
                        dScale[i % f] += gv[i] * xv[i]
                        dShift[i % f] += gv[i]
                    }
                    return [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                        for i in range { o[i] = gv[i] * a[i % f] }
                    }
                }
            }
            return [
                Tensor(shape: [n, f], values: dx), Tensor(shape: [f], values: dScale),
                Tensor(shape: [f], values: dShift),
            ]
        }
    }
}
