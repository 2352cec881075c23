import Foundation
import Testing
import _TensorTesting

@testable import Tensor

@Suite struct GradientCheckTests {
    @Test func arithmeticWithBroadcasting() {
        let a = random([3, 4], seed: 1)
        let positive = random([3, 4], in: 0.5...2, seed: 5)
        for (shape, seed) in [([3, 4], 2), ([4], 3), ([3, 1], 4), ([], 6), ([1, 4], 7)] as [([Int], UInt64)] {
            let b = random(shape, seed: seed)
            let divisor = random(shape, in: 0.5...2, seed: seed)
            checkGradients([a, b], "add \(shape)") { $0[0] + $0[1] }
            checkGradients([a, b], "sub \(shape)") { $0[0] - $0[1] }
            checkGradients([a, b], "mul \(shape)") { $0[0] * $0[1] }
            checkGradients([a, divisor], "div \(shape)") { $0[0] / $0[1] }
            checkGradients([b, positive], "div broadcast numerator \(shape)") { $0[0] / $0[1] }
        }
        checkGradients([a], "neg") { -$0[0] }
    }

    @Test func unaryMaps() {
        let x = random([2, 5], seed: 10)
        let positive = random([2, 5], in: 0.2...3, seed: 11)
        checkGradients([x], "exp") { $0[0].exp() }
        checkGradients([positive], "log") { $0[0].log() }
        checkGradients([positive], "sqrt") { $0[0].sqrt() }
        // maximum: inputs kept apart so no element sits at the kink.
        let y = Tensor(
            shape: x.shape,
            values: x.values.enumerated().map { $0.offset % 2 == 0 ? $0.element + 0.5 : $0.element - 0.5 })
        checkGradients([x, y], "maximum") { $0[0].maximum($0[1]) }
        checkGradients([x, random([5], seed: 12)], "maximum broadcast") { $0[0].maximum($0[1]) }
        let mask = (0..<10).map { $0 % 3 == 0 }
        checkGradients([x, y], "where") { $0[0].where(mask, else: $0[1]) }
    }

    @Test func activations() {
        // Away from relu's kink at 0; wide range for the stable softplus and sigmoid.
        let x = Tensor<Double>(shape: [2, 6], values: [-30, -4, -1.3, -0.2, 0.3, 0.9, 1.7, 2.5, 6, 15, -7, 0.05])
        checkGradients([x], "softplus") { $0[0].softplus() }
        checkGradients([x], "sigmoid") { $0[0].sigmoid() }
        checkGradients([x], "relu") { $0[0].relu() }
        checkGradients([x], "silu") { $0[0].silu() }
        checkGradients([x], "tanh") { $0[0].tanh() }
        checkGradients([x], "logSoftmax") { $0[0].logSoftmax() }
        checkGradients([random([3, 1, 4], seed: 13)], "logSoftmax rank 3") { $0[0].logSoftmax() }
    }

    @Test func reductions() {
        let x = random([2, 3, 4], seed: 20)
        checkGradients([x], "sum") { $0[0].sum() }
        checkGradients([x], "mean") { $0[0].mean() }
        for axis in 0..<3 {
            checkGradients([x], "sum axis \(axis)") { $0[0].sum(axis: axis) }
            checkGradients([x], "mean axis \(axis)") { $0[0].mean(axis: axis) }
            checkGradients([x], "max axis \(axis)") { $0[0].max(axis: axis) }
        }
    }

    @Test func fusedNormalisationOps() {
        let x = random([5, 3], seed: 80)
        let scale = random([3], in: 0.5...1.5, seed: 81)
        let shift = random([3], seed: 82)
        checkGradients([x, scale, shift], "affine") { $0[0].affine(scale: $0[1], shift: $0[2]) }
        checkGradients([x, scale, shift], "batchNormalized") {
            $0[0].batchNormalized(scale: $0[1], shift: $0[2], epsilon: 1e-5).output
        }
        #expect(x.affine(scale: scale, shift: shift).values == (x * scale + shift).values)
        // The batch norm fused with the gated softplus, against finite differences and against the two ops.
        let wide = random([5, 4], seed: 83)
        let (gamma, beta) = (random([4], in: 0.5...1.5, seed: 84), random([4], seed: 85))
        checkGradients([wide, gamma, beta], "batchNormalizedGatedSoftplus") {
            $0[0].batchNormalizedGatedSoftplus(scale: $0[1], shift: $0[2], epsilon: 1e-5).output
        }
    }

    /// `batchNormalizedGatedSoftplus` gives the bits of `batchNormalized` then `sigmoidGatedSoftplus`: outputs,
    /// statistics and the gradients of all three inputs, in Float (the C kernel) and Double.
    @Test func batchNormalizedGatedSoftplusEqualsTheTwoOps() {
        func check<S: TensorScalar>(_: S.Type) {
            var generator = SeededGenerator(seed: 86)
            let x = Tensor<S>.uniform([300, 38], bound: 3, using: &generator)
            let gamma = Tensor<S>.uniform([38], bound: 2, using: &generator)
            let beta = Tensor<S>.uniform([38], bound: 1, using: &generator)
            let seed = Tensor<S>.uniform([300, 19], bound: 1, using: &generator)
            func run(fused: Bool) -> ([S], [S], [[S]]) {
                let tape = Tape<S>()
                let (tx, tg, tb) = (tape.track(x), tape.track(gamma), tape.track(beta))
                let (y, mean, variance): (Tensor<S>, [S], [S])
                if fused {
                    (y, mean, variance) = tx.batchNormalizedGatedSoftplus(scale: tg, shift: tb, epsilon: 1e-5)
                } else {
                    let normalised = tx.batchNormalized(scale: tg, shift: tb, epsilon: 1e-5)
                    (y, mean, variance) = (
                        normalised.output.sigmoidGatedSoftplus(), normalised.mean, normalised.variance
                    )
                }
                let gradients = tape.gradients(of: y, seed: seed)
                return (y.values, mean + variance, [gradients[tx].values, gradients[tg].values, gradients[tb].values])
            }
            let (fused, composed) = (run(fused: true), run(fused: false))
            let same = fused.0 == composed.0 && fused.1 == composed.1 && fused.2 == composed.2
            #expect(same, "\(S.self)")
        }
        Parallelism.$threads.withValue(2) {
            check(Float.self)
            check(Double.self)
        }
    }

    @Test func matrixProductsWithTransposeFlags() {
        let a = random([3, 4], seed: 30)
        let b = random([4, 5], seed: 31)
        let at = random([4, 3], seed: 32)
        let bt = random([5, 4], seed: 33)
        checkGradients([a, b], "matmul") { $0[0].matmul($0[1]) }
        checkGradients([at, b], "matmul Aᵀ") { $0[0].matmul($0[1], transposeSelf: true) }
        checkGradients([a, bt], "matmul Bᵀ") { $0[0].matmul($0[1], transposeOther: true) }
        checkGradients([at, bt], "matmul AᵀBᵀ") { $0[0].matmul($0[1], transposeSelf: true, transposeOther: true) }
        // The flags give the same numbers as materialised transposes.
        #expect(at.matmul(b, transposeSelf: true).values == at.transposed().matmul(b).values)
    }

    @Test func linearLayerProduct() {
        let x = random([3, 4], seed: 34)
        let w = random([5, 4], seed: 35)
        let b = random([5], seed: 36)
        checkGradients([x, w, b], "linear") { $0[0].linear(weight: $0[1], bias: $0[2]) }
        // The bias written into the rows before gemm adds onto them gives a product plus a broadcast bias, on the
        // row-block path (many rows) and on the inner-dimension-split path (few rows, a long inner dimension), and
        // the same bits for one and two threads.
        for (rows, inner) in [(600, 7), (3, 2 * Parallelism.gemmDepth + 5)] {
            let x = Tensor<Float>(
                shape: [rows, inner], values: random([rows, inner], seed: 37).values.map { Float($0) })
            let w = Tensor<Float>(shape: [6, inner], values: random([6, inner], seed: 38).values.map { Float($0) })
            let b = Tensor<Float>(shape: [6], values: random([6], seed: 39).values.map { Float($0) })
            let fused = Parallelism.$threads.withValue(1) { x.linear(weight: w, bias: b) }
            let composed = x.matmul(w, transposeOther: true) + b
            #expect(fused.shape == [rows, 6])
            let error = zip(fused.values, composed.values).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 1e-4 * Float(inner).squareRoot(), "linear \(rows)×\(inner): \(error)")
            #expect(Parallelism.$threads.withValue(2) { x.linear(weight: w, bias: b) }.values == fused.values)
        }
    }

    @Test func shapeOps() {
        let x = random([4, 3], seed: 40)
        let y = random([2, 3], seed: 41)
        let z = random([4, 2], seed: 42)
        checkGradients([x], "reshape") { $0[0].reshaped([2, 6]) }
        checkGradients([x], "transposed") { $0[0].transposed() }
        checkGradients([x], "slice") { $0[0].slice(rows: 1..<3) }
        checkGradients([x], "narrow axis 1") { $0[0].narrow(axis: 1, range: 1..<3) }
        checkGradients([x, y], "concat axis 0") { Tensor.concat([$0[0], $0[1]], axis: 0) }
        checkGradients([x, z], "concat axis 1") { Tensor.concat([$0[0], $0[1]], axis: 1) }
        checkGradients([x], "split") { t in
            let parts = t[0].split([1, 2], axis: 1)
            return parts[0] * parts[1].sum(axis: 1).reshaped([4, 1])
        }
    }

    @Test func messagePassing() {
        let nodes = random([4, 3], seed: 50)
        let edges = random([6, 3], seed: 51)
        let src: [Int32] = [0, 1, 1, 3, 3, 3]
        checkGradients([nodes], "gather with repeats") { $0[0].gather(rows: src) }
        checkGradients([edges], "scatterAdd") { $0[0].scatterAdd(rows: [2, 0, 2, 1, 0, 2], count: 4) }
        let offsets = [0, 2, 2, 5, 6]  // an empty segment in the middle
        checkGradients([edges], "segmentSum") { $0[0].segmentSum(offsets: offsets) }
        checkGradients([edges], "segmentMean") { $0[0].segmentMean(offsets: offsets) }
        #expect(edges.segmentSum(offsets: offsets).values[3..<6].allSatisfy { $0 == 0 })
    }

    @Test func fusedMessageOps() {
        let a = random([3, 4], seed: 70)
        let b = random([2, 4], seed: 71)
        let c = random([5, 4], seed: 72)
        let aRows: [Int32] = [0, 2, 2, 1, 0]
        let bRows: [Int32] = [1, 1, 0, 1, 0]
        checkGradients([a, b, c], "gatheredSum") { t in
            Tensor.gatheredSum(t[0], rows: aRows, t[1], rows: bRows, plus: t[2]).softplus()
        }
        let fused = Tensor.gatheredSum(a, rows: aRows, b, rows: bRows, plus: c)
        let composed = a.gather(rows: aRows) + b.gather(rows: bRows) + c
        #expect(zip(fused.values, composed.values).allSatisfy { abs($0 - $1) < 1e-12 })
        // The product form: the added term is u wᵀ over u's blocks, never stored; gradients for all four inputs.
        let u = random([5, 3], seed: 74)
        let w = random([4, 3], seed: 75)
        let segments = [0, 2, 2, 5]
        checkGradients([a, b, u, w], "gatheredSum(plus: blocks, times: w)") { t in
            let blocks = EdgeBlocks(t[2], segments: segments, chunkEdges: 2)
            return Tensor.gatheredSum(t[0], rows: aRows, t[1], rows: bRows, plus: blocks, times: t[3]).softplus()
        }
        let product = Tensor.gatheredSum(
            a, rows: aRows, b, rows: bRows, plus: EdgeBlocks(u, segments: segments), times: w)
        let plain = Tensor.gatheredSum(a, rows: aRows, b, rows: bRows, plus: u.matmul(w, transposeOther: true))
        #expect(zip(product.values, plain.values).allSatisfy { abs($0 - $1) < 1e-12 })

        let x = random([4, 6], in: -6...6, seed: 73)
        checkGradients([x], "sigmoidGatedSoftplus") { $0[0].sigmoidGatedSoftplus() }
        let halves = x.split([3, 3], axis: 1)
        let reference = halves[0].sigmoid() * halves[1].softplus()
        #expect(zip(x.sigmoidGatedSoftplus().values, reference.values).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func composedMessagePassingLayer() {
        // h' = softplus(h + segmentSum(σ(W [h_dst ‖ h_src]) ⊙ h_src)): gather, concat, matmul, sigmoid,
        // product, sum over CSR segments, residual, activation, all through one tape.
        let h = random([3, 2], seed: 60)
        let w = random([4, 2], seed: 61)
        let src: [Int32] = [1, 2, 0, 2]
        let dst: [Int32] = [0, 0, 1, 2]
        checkGradients([h, w], "message passing") { t in
            let pairs = Tensor.concat([t[0].gather(rows: dst), t[0].gather(rows: src)], axis: 1)
            let gate = pairs.matmul(t[1]).sigmoid()
            let messages = gate * t[0].gather(rows: src)
            return (t[0] + messages.segmentSum(offsets: [0, 2, 3, 4])).softplus()
        }
    }
}

@Suite struct TapeTests {
    @Test func gradientsAccumulateOverEveryPath() {
        let tape = Tape<Double>()
        let x = tape.track(Tensor(3))
        let y = x * x + x * Tensor(2)  // dy/dx = 2x + 2 = 8
        #expect(tape.gradients(of: y)[x].scalar == 8)
        // A tensor the output does not depend on gets zeros of its shape.
        let unused = tape.track(Tensor(shape: [2], values: [1, 2]))
        #expect(tape.gradients(of: y)[unused].values == [0, 0])
    }

    @Test func untrackedOpsRecordNothing() {
        let a = Tensor<Float>(shape: [2], values: [1, 2])
        #expect(!(a + a).isTracked)
        let tape = Tape<Float>()
        let t = tape.track(a)
        #expect((t + a).isTracked && !(t.detached + a).isTracked)
    }

    @Test func softplusIsStableAtTheExtremes() {
        let x = Tensor<Float>(shape: [4], values: [-100, -20, 20, 100])
        let y = x.softplus().values
        #expect(y[0] == 0)  // e^-100 is below the normal floats: flushed to zero, never subnormal
        #expect(abs(y[1] - expf(-20)) < 1e-12)
        #expect(y[2] == 20 + log1pf(expf(-20)))
        #expect(y[3] == 100)
        #expect(x.sigmoid().values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }

    @Test func floatAndDoubleEnginesAgree() {
        let a = random([5, 7], seed: 70)
        let b = random([7, 3], seed: 71)
        let double = (a.matmul(b).softplus() - a.matmul(b).sigmoid()).values
        let af = Tensor<Float>(shape: a.shape, values: a.values.map(Float.init))
        let bf = Tensor<Float>(shape: b.shape, values: b.values.map(Float.init))
        let single = (af.matmul(bf).softplus() - af.matmul(bf).sigmoid()).values
        for (d, s) in zip(double, single) { #expect(abs(d - Double(s)) < 1e-5 * max(1, abs(d))) }
    }
}

/// Expects the tape's gradients of `f` to agree with finite differences (`gradientCheckFailures`).
func checkGradients(
    _ inputs: [Tensor<Double>], _ name: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor<Double>]) -> Tensor<Double>
) {
    let failures = gradientCheckFailures(inputs, name, f)
    #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))", sourceLocation: sourceLocation)
}
