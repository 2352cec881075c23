import CKernels

// Batch normalisation as one op with its analytic backward: composing it from means and broadcasts made
// ten passes and temporaries over the [n, f] input. Loops walk rows through pointers, columns innermost, with
// no per-element index arithmetic, so they vectorise; column sums add fixed blocks of rows in block order (the
// same sums for any thread count). For Float the row maps are C loops (CKernels' Affine.c): the forward streams
// outputs past the caches, the backward writes dx over the output's gradient.
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
        let statistics = batchStatistics(gamma, beta, epsilon: epsilon, op: "batchNormalized")
        let (n, f, x) = (shape[0], shape[1], values)
        let out = Self.rowMap(n, f, x, statistics.a, statistics.b)
        let result = Self.result(shape: shape, values: out, inputs: [self, gamma, beta]) { grad in
            // dx overwrites the output's gradient where the tape hands over the only reference to it.
            Self.batchNormalizedBackward(Self.takeValues(&grad), x, n, f, gamma: gamma.values, statistics)
        }
        return (result, statistics.mean, statistics.variance)
    }

    /// `batchNormalized(…).output.sigmoidGatedSoftplus()` in one pass over x [n, 2h] → [n, h], μ and σ².
    ///
    /// The normalised matrix [n, 2h] is neither written nor read back; the backward is the two ops' in turn, so
    /// the bits are theirs.
    @_specialize(where S == Float)
    public func batchNormalizedGatedSoftplus(scale gamma: Tensor, shift beta: Tensor, epsilon: S) -> (
        output: Tensor, mean: [S], variance: [S]
    ) {
        precondition(
            shape.count == 2 && shape[1] % 2 == 0, "batchNormalizedGatedSoftplus: shape \(shape) has no even width")
        let statistics = batchStatistics(gamma, beta, epsilon: epsilon, op: "batchNormalizedGatedSoftplus")
        let (n, f, h, x) = (shape[0], shape[1], shape[1] / 2, values)
        let (out, saved) = Self.gatedForward(
            x, rows: n, width: h, affine: (statistics.a, statistics.b),
            keep: isTracked || gamma.isTracked || beta.isTracked)
        let result = Self.result(shape: [n, h], values: out, inputs: [self, gamma, beta]) { grad in
            let normalisedGrad = Self.gatedBackward(grad.values, saved: saved, rows: n, width: h)
            return Self.batchNormalizedBackward(consume normalisedGrad, x, n, f, gamma: gamma.values, statistics)
        }
        return (result, statistics.mean, statistics.variance)
    }

    /// The batch's column means μ and biased variances σ² of this [n, f] matrix (n > 0), 1/√(σ² + ε), and the
    /// affine step they make of the normalisation with γ and β: y = x·a + b, a = γ/√(σ² + ε), b = β − μ·a.
    func batchStatistics(_ gamma: Tensor, _ beta: Tensor, epsilon: S, op: String) -> BatchStatistics<S> {
        precondition(
            rank == 2 && gamma.shape == [shape[1]] && beta.shape == [shape[1]] && shape[0] > 0,
            "\(op): x \(shape), γ \(gamma.shape), β \(beta.shape)")
        let (n, f) = (shape[0], shape[1])
        let x = values
        // One pass of sums shifted by the first row, K: μ = K + Σ(x − K)/n, σ² = (Σ(x − K)² − (Σ(x − K))²/n)/n, which
        // does not cancel as Σx² − (Σx)²/n can, K being a sample within a few σ of μ (Chan, Golub & LeVeque 1983).
        let shift = Array(x[0..<f])
        let (shifted, squares) = x.withUnsafeBufferPointer { xv in
            shift.withUnsafeBufferPointer { Self.columnSums(n, f, xv, xv, ShiftedMoments(shift: $0)) }
        }
        let mean = (0..<f).map { shift[$0] + shifted[$0] / S(n) }
        let variance = (0..<f).map { Swift.max(0, (squares[$0] - shifted[$0] * shifted[$0] / S(n)) / S(n)) }
        let inverse = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let a = zip(gamma.values, inverse).map { $0 * $1 }
        let b = (0..<f).map { beta.values[$0] - mean[$0] * a[$0] }
        return BatchStatistics(mean: mean, variance: variance, inverse: inverse, a: a, b: b)
    }

    /// Batch normalisation's backward for the gradient g of its output, x [n, f] its input: dx, dγ and dβ.
    ///
    /// dx is written over g's storage when nothing else holds it (copied first otherwise): one [n, f] array fewer
    /// to fault in and zero, as the activations' backward does.
    static func batchNormalizedBackward(
        _ g: consuming [S], _ x: [S], _ n: Int, _ f: Int, gamma: [S], _ statistics: BatchStatistics<S>
    ) -> [Tensor?] {
        let (mean, inverse) = (statistics.mean, statistics.inverse)
        let (dGamma, dBeta) = g.withUnsafeBufferPointer { gv in
            x.withUnsafeBufferPointer { xv in
                mean.withUnsafeBufferPointer { mu in
                    inverse.withUnsafeBufferPointer { inv in
                        Self.columnSums(n, f, gv, xv, TimesNormalised(mean: mu, inverse: inv))
                    }
                }
            }
        }
        // dx = c1·g + c2·x + c3 per column, with c1 = γ·inv, c2 = −c1·inv·mean(g·x̂),
        // c3 = −c1·(mean(g) − μ·inv·mean(g·x̂)).
        let c1 = (0..<f).map { gamma[$0] * inverse[$0] }
        let c2 = (0..<f).map { -c1[$0] * inverse[$0] * dGamma[$0] / S(n) }
        let c3 = (0..<f).map { -c1[$0] * dBeta[$0] / S(n) - c2[$0] * mean[$0] }
        var dx = consume g
        Self.rowMap(n, f, &dx, c1, x, c2, c3)
        return [
            Tensor(shape: [n, f], values: dx), Tensor(shape: [f], values: dGamma), Tensor(shape: [f], values: dBeta),
        ]
    }

    /// x[r, j]·a[j] + b[j] for an [n, f] matrix, rows in parallel: for Float the C loop `xtal_affine_rows`,
    /// which streams outputs past the caches (`Parallelism.streams`).
    @inline(__always)
    static func rowMap(_ n: Int, _ f: Int, _ x: [S], _ a: [S], _ b: [S]) -> [S] {
        let stream = Parallelism.streams(S.self, count: n * f)
        return withBaseAddresses([x, a, b]) { p in
            [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                guard let x0 = p[0], let a0 = p[1], let b0 = p[2] else { return }
                let (rows, start) = (range.count / f, range.lowerBound)
                guard S.self != Float.self else {
                    let (a, b) = (floatPointer(a0), floatPointer(b0))
                    xtal_affine_rows(floatPointer(x0 + start), a, b, rows, f, stream, floatPointer(o + start))
                    return
                }
                for r in (start / f)..<(range.upperBound / f) {
                    let (xr, or) = (x0 + r * f, o + r * f)
                    for j in 0..<f { or[j] = xr[j] * a0[j] + b0[j] }
                }
            }
        }
    }

    /// g[r, j] ← g[r, j]·c1[j] + x[r, j]·c2[j] + c3[j] for two [n, f] matrices, in place, rows in parallel: for
    /// Float the C loop `xtal_affine_rows2_in_place`.
    @inline(__always)
    static func rowMap(_ n: Int, _ f: Int, _ g: inout [S], _ c1: [S], _ x: [S], _ c2: [S], _ c3: [S]) {
        withBaseAddresses([c1, x, c2, c3]) { p in
            g.withUnsafeMutableBufferPointer { gv in
                nonisolated(unsafe) let g0 = gv.baseAddress
                Parallelism.forEachRange(n * f, grain: Parallelism.rowGrain(width: f)) { range in
                    guard let g0, let a = p[0], let x0 = p[1], let b = p[2], let c = p[3] else { return }
                    let (rows, start) = (range.count / f, range.lowerBound)
                    guard S.self != Float.self else {
                        xtal_affine_rows2_in_place(
                            floatPointer(g0 + start), floatPointer(a), floatPointer(x0 + start), floatPointer(b),
                            floatPointer(c), rows, f)
                        return
                    }
                    for r in (start / f)..<(range.upperBound / f) {
                        let (gr, xr) = (g0 + r * f, x0 + r * f)
                        for j in 0..<f { gr[j] = gr[j] * a[j] + xr[j] * b[j] + c[j] }
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
                    (Self.columnSums(n, f, gv, xv, Product()))
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

/// (x − K_j, (x − K_j)²) for x = g: moments shifted by K (batch normalisation's mean and variance).
struct ShiftedMoments<Scalar: TensorScalar>: ColumnTerm {
    let shift: UnsafeBufferPointer<Scalar>
    @inline(__always) func callAsFunction(_ g: Scalar, _ x: Scalar, _ column: Int) -> (Scalar, Scalar) {
        let d = g - shift[column]
        return (d, d * d)
    }
}

/// (g · (x − μ_j) / √(σ_j² + ε), g), with `inverse` holding 1 / √(σ² + ε): batch normalisation's dγ and dβ.
struct TimesNormalised<Scalar: TensorScalar>: ColumnTerm {
    let mean: UnsafeBufferPointer<Scalar>
    let inverse: UnsafeBufferPointer<Scalar>
    @inline(__always) func callAsFunction(_ g: Scalar, _ x: Scalar, _ column: Int) -> (Scalar, Scalar) {
        (g * (x - mean[column]) * inverse[column], g)
    }
}

/// A batch's column statistics for batch normalisation: mean μ, biased variance σ², 1/√(σ² + ε), and the affine
/// step y = x·a + b they make with γ and β.
struct BatchStatistics<S: TensorScalar> {
    var mean: [S]
    var variance: [S]
    var inverse: [S]
    var a: [S]
    var b: [S]
}
