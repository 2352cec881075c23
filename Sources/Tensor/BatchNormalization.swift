// Batch normalisation as one op with its analytic backward: composing it from means and broadcasts made
// ten passes and temporaries over the [n, f] input. Loops walk rows through pointers, columns innermost, with
// no per-element index arithmetic, so they vectorise; column sums run over rows in order (the same sums for
// any thread count).
extension Tensor {
    /// (x − μ) / √(σ² + ε) · γ + β per column of an [n, f] matrix, with the batch's mean μ and biased variance
    /// σ²; also returns μ and σ² (for running statistics).
    ///
    /// Backward, with x̂ = (x − μ)/√(σ² + ε) recomputed from x: dγ = Σₙ g·x̂, dβ = Σₙ g,
    /// dx = γ/√(σ² + ε) · (g − mean(g) − x̂ · mean(g·x̂)) (Ioffe & Szegedy 2015).
    @_specialize(where S == Float)
    public func batchNormalized(scale gamma: Tensor, shift beta: Tensor, epsilon: S) -> (
        output: Tensor, mean: [S], variance: [S]
    ) {
        precondition(
            rank == 2 && gamma.shape == [shape[1]] && beta.shape == [shape[1]] && shape[0] > 0,
            "batchNormalized: x \(shape), γ \(gamma.shape), β \(beta.shape)")
        let (n, f) = (shape[0], shape[1])
        let x = values
        let mean = x.withUnsafeBufferPointer { Self.columnSums(n, f, $0, $0) { v, _, _ in v } }.map { $0 / S(n) }
        let variance = x.withUnsafeBufferPointer { xv in
            mean.withUnsafeBufferPointer { mu in
                Self.columnSums(n, f, xv, xv) { v, _, j in (v - mu[j]) * (v - mu[j]) }
            }
        }.map { $0 / S(n) }
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        // y = x·a + b with a = γ/√(σ² + ε), b = β − μ·a.
        let a = zip(gamma.values, inverse).map { $0 * $1 }
        let b = (0..<f).map { beta.values[$0] - mean[$0] * a[$0] }
        let out = Self.rowMap(n, f, x, a, b)
        let gammaValues = gamma.values
        let result = Self.result(shape: shape, values: out, inputs: [self, gamma, beta]) { grad in
            let g = grad.values
            let (dGamma, dBeta) = g.withUnsafeBufferPointer { gv in
                x.withUnsafeBufferPointer { xv in
                    mean.withUnsafeBufferPointer { mu in
                        inverse.withUnsafeBufferPointer { inv in
                            (
                                Self.columnSums(n, f, gv, xv) { gj, xj, j in gj * (xj - mu[j]) * inv[j] },
                                Self.columnSums(n, f, gv, gv) { gj, _, _ in gj }
                            )
                        }
                    }
                }
            }
            // dx = c1·g + c2·x + c3 per column, with c1 = γ·inv, c2 = −c1·inv·mean(g·x̂), c3 = −c1·(mean(g) − μ·inv·mean(g·x̂)).
            let c1 = (0..<f).map { gammaValues[$0] * inverse[$0] }
            let c2 = (0..<f).map { -c1[$0] * inverse[$0] * dGamma[$0] / S(n) }
            let c3 = (0..<f).map { -c1[$0] * dBeta[$0] / S(n) - c2[$0] * mean[$0] }
            let dx = Self.rowMap(n, f, g, c1, x, c2, c3)
            return [
                Tensor(shape: [n, f], values: dx), Tensor(shape: [f], values: dGamma),
                Tensor(shape: [f], values: dBeta),
            ]
        }
        return (result, mean, variance)
    }

    /// Σ over rows of term(g[r, j], x[r, j], j) per column j of two [n, f] matrices (the same one for a
    /// single-matrix sum), rows in order.
    @inline(__always)
    static func columnSums(
        _ n: Int, _ f: Int, _ g: UnsafeBufferPointer<S>, _ x: UnsafeBufferPointer<S>, _ term: (S, S, Int) -> S
    ) -> [S] {
        [S](unsafeUninitializedCapacity: f) { sums, initialized in
            guard let s = sums.baseAddress else { return }
            s.initialize(repeating: 0, count: f)
            if let g0 = g.baseAddress, let x0 = x.baseAddress {
                for r in 0..<n {
                    let (gr, xr) = (g0 + r * f, x0 + r * f)
                    for j in 0..<f { s[j] += term(gr[j], xr[j], j) }
                }
            }
            initialized = f
        }
    }

    /// x[r, j]·a[j] + b[j] for an [n, f] matrix, rows in parallel.
    @inline(__always)
    static func rowMap(_ n: Int, _ f: Int, _ x: [S], _ a: [S], _ b: [S]) -> [S] {
        x.withUnsafeBufferPointer { xv in
            a.withUnsafeBufferPointer { av in
                b.withUnsafeBufferPointer { bv in
                    [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                        guard let x0 = xv.baseAddress, let a0 = av.baseAddress, let b0 = bv.baseAddress else { return }
                        for r in (range.lowerBound / f)..<(range.upperBound / f) {
                            let (xr, or) = (x0 + r * f, o + r * f)
                            for j in 0..<f { or[j] = xr[j] * a0[j] + b0[j] }
                        }
                    }
                }
            }
        }
    }

    /// g[r, j]·c1[j] + x[r, j]·c2[j] + c3[j] for two [n, f] matrices, rows in parallel.
    @inline(__always)
    static func rowMap(_ n: Int, _ f: Int, _ g: [S], _ c1: [S], _ x: [S], _ c2: [S], _ c3: [S]) -> [S] {
        g.withUnsafeBufferPointer { gv in
            x.withUnsafeBufferPointer { xv in
                c1.withUnsafeBufferPointer { p1 in
                    c2.withUnsafeBufferPointer { p2 in
                        c3.withUnsafeBufferPointer { p3 in
                            [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                                guard let g0 = gv.baseAddress, let x0 = xv.baseAddress, let a = p1.baseAddress,
                                    let b = p2.baseAddress, let c = p3.baseAddress
                                else { return }
                                for r in (range.lowerBound / f)..<(range.upperBound / f) {
                                    let (gr, xr, or) = (g0 + r * f, x0 + r * f, o + r * f)
                                    for j in 0..<f { or[j] = gr[j] * a[j] + xr[j] * b[j] + c[j] }
                                }
                            }
                        }
                    }
                }
            }
        }
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
        let out = Self.rowMap(n, f, x, a, b)
        return Self.result(shape: shape, values: out, inputs: [self, scale, shift]) { grad in
            let g = grad.values
            let (dScale, dShift) = g.withUnsafeBufferPointer { gv in
                x.withUnsafeBufferPointer { xv in
                    (
                        Self.columnSums(n, f, gv, xv) { gj, xj, _ in gj * xj },
                        Self.columnSums(n, f, gv, gv) { gj, _, _ in gj }
                    )
                }
            }
            let dx = Self.rowMap(n, f, g, a, [S](repeating: 0, count: f))
            return [
                Tensor(shape: [n, f], values: dx), Tensor(shape: [f], values: dScale),
                Tensor(shape: [f], values: dShift),
            ]
        }
    }
}
