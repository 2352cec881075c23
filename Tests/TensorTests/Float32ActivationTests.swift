import Foundation
import Testing

@testable import Tensor

/// The vectorised Float activations (CKernels) against the Double reference on libm.
@Suite struct Float32ActivationTests {
    /// ±m·2ᵉ for 2000 mantissas m ∈ [1, 2) and e from −40 to 6 (|x| up to 128), and the clamping points of exp.
    ///
    /// Every input is exactly representable in Float, so both sides evaluate the same x; an even count (gated
    /// pairs).
    static let inputs: [Float] = {
        var xs: [Float] = [0, -0.0, 87.3, -87.3, 88, -88, 100, -100, 1000, -1000]
        for e in -40...6 {
            for m in 0..<2000 {
                let v = Float(1 + Double(m) / 2000) * Float(pow(2.0, Double(e)))
                xs += [v, -v]
            }
        }
        return xs
    }()

    /// |single − double| ≤ 1e-6 |double| + 1e-7 |slack| + 1e-35 for every element: relative for values, plus an
    /// absolute 1e-7 of the seed for gradients, whose factors y(1 − y) or σ(1 + x(1 − σ)) cancel in Float where
    /// the exact derivative is tiny (as in any Float implementation); 1e-35 where e^x is flushed to zero (below
    /// e^−87.3 ≈ 1.2e-38, times |x| ≤ 87.3 in SiLU).
    static func agree(_ single: [Float], _ double: [Double], slack: [Float], _ name: String) {
        var worst = (excess: 0.0, at: 0)
        for (i, (s, d)) in zip(single, double).enumerated() {
            let excess = abs(Double(s) - d) / (1e-6 * abs(d) + 1e-7 * abs(Double(slack[i])) + 1e-35)
            if excess > worst.excess { worst = (excess, i) }
        }
        #expect(worst.excess <= 1, "\(name): \(worst.excess)× the tolerance at x = \(inputs[worst.at])")
    }

    /// `op` on `xs` and the gradient of Σ seed ⊙ op(x), at the precision of S.
    static func evaluate<S: TensorScalar>(_ op: String, _ xs: [S], seed: [S]) -> (values: [S], gradient: [S]) {
        let tape = Tape<S>()
        let x = tape.track(Tensor(shape: [xs.count], values: xs))
        let y =
            switch op {
            case "softplus": x.softplus()
            case "sigmoid": x.sigmoid()
            case "silu": x.silu()
            default: x.reshaped([xs.count / 2, 2]).sigmoidGatedSoftplus().reshaped([xs.count / 2])
            }
        let g = Tensor(shape: y.shape, values: Array(seed.prefix(y.count)))
        return (y.values, tape.gradients(of: y, seed: g)[x].values)
    }

    @Test(arguments: ["softplus", "sigmoid", "silu", "gated"])
    func forwardAndBackwardAgreeWithTheDoubleReference(_ op: String) {
        let seed = Self.inputs.map { $0 * 0.37 + 0.1 }
        let single = Self.evaluate(op, Self.inputs, seed: seed)
        let double = Self.evaluate(op, Self.inputs.map(Double.init), seed: seed.map(Double.init))
        Self.agree(single.values, double.values, slack: seed.map { _ in 0 }, "\(op) forward")
        Self.agree(single.gradient, double.gradient, slack: seed, "\(op) backward")
    }

    /// An element gives the same bits wherever it falls: in the vectorised body of a loop or in its scalar
    /// remainder.
    ///
    /// 74 copies of x (a gated row of 37 gates and 37 values): 32, 64 or 72 of them in vectors, the rest one by
    /// one. The kernels fuse multiply-adds only within an expression, which both paths compile alike; were they to
    /// differ, a result would depend on how work is split, not only on its input.
    @Test(arguments: ["softplus", "sigmoid", "silu", "gated"])
    func vectorBodyAndRemainderGiveTheSameBits(_ op: String) {
        for x in [Float(-3.7), -0.3, 0, 0.6, 2.5, 19] {
            let tape = Tape<Float>()
            let input = tape.track(Tensor(shape: [1, 74], values: [Float](repeating: x, count: 74)))
            let y =
                switch op {
                case "softplus": input.softplus()
                case "sigmoid": input.sigmoid()
                case "silu": input.silu()
                default: input.sigmoidGatedSoftplus()
                }
            let gradient = tape.gradients(of: y, seed: Tensor(repeating: 0.7, shape: y.shape))[input].values
            #expect(Set(y.values.map(\.bitPattern)).count == 1, "\(op) forward at \(x)")
            // The gated op's gradient has two parts, for the gates and for the values.
            for part in op == "gated" ? [gradient[..<37], gradient[37...]] : [gradient[...]] {
                #expect(Set(part.map(\.bitPattern)).count == 1, "\(op) backward at \(x)")
            }
        }
    }

    @Test func extremeInputsGiveFiniteNormalOrZeroResults() {
        let x = Tensor<Float>(shape: [8], values: [-1000, -88, -87.5, 88, 1000, -.infinity, .infinity, 0])
        let softplus = x.softplus().values
        let sigmoid = x.sigmoid().values
        #expect(softplus[0] == 0 && softplus[4] == 1000 && softplus[6] == .infinity && softplus[5] == 0)
        #expect(sigmoid[0] == 0 && sigmoid[4] == 1 && sigmoid[5] == 0 && sigmoid[6] == 1 && sigmoid[7] == 0.5)
        // e^−87.5 is subnormal in Float: flushed to zero, never a subnormal that slows later products.
        for v in softplus + sigmoid where v != 0 && v.isFinite { #expect(v.isNormal, "\(v)") }
    }
}
