import Foundation
import Testing

@testable import Tensor

/// The tape's handling of gradient storage: a backward may write into the gradient arriving at its output only
/// when nothing else holds it.
@Suite struct GradientStorageTests {
    static let xs: [Float] = (0..<1000).map { Float($0 - 500) / 97 }

    static func address(_ values: [Float]) -> UInt {
        values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    /// A seed the caller keeps is read, never written: softplus's in-place backward copies it first.
    @Test func aKeptSeedIsLeftAsItWas() {
        let tape = Tape<Float>()
        let x = tape.track(Tensor(shape: [Self.xs.count], values: Self.xs))
        let seed = Tensor<Float>(shape: x.shape, values: Self.xs.map { 0.5 + $0 / 10 })
        let kept = seed.values
        let gradient = tape.gradients(of: x.softplus(), seed: seed)[x].values
        #expect(seed.values == kept)
        let expected = zip(Self.xs, kept).map { x, g in g * x.sigmoidReference }
        #expect(zip(gradient, expected).allSatisfy { abs($0 - $1) <= 1e-6 * abs($1) + 1e-7 })
    }

    /// Both terms of a sum receive the same gradient storage (an add passes it on to both inputs); each branch's
    /// in-place activation backward must leave the other's intact.
    @Test func branchesSharingAGradientEachGetTheirOwn() {
        let tape = Tape<Float>()
        let x = tape.track(Tensor(shape: [Self.xs.count], values: Self.xs))
        let y = x.softplus() + x.silu()
        let gradient = tape.gradients(of: y, seed: Tensor(repeating: 2, shape: y.shape))[x].values
        let expected = Self.xs.map { x in
            let s = x.sigmoidReference
            return 2 * s + 2 * s * (1 + x * (1 - s))
        }
        #expect(zip(gradient, expected).allSatisfy { abs($0 - $1) <= 1e-6 * abs($1) + 1e-6 })
    }

    /// A seed handed over (not kept) becomes the input's gradient: no new array for it.
    @Test func aHandedOverSeedBecomesTheGradient() {
        let tape = Tape<Float>()
        let x = tape.track(Tensor(shape: [Self.xs.count], values: Self.xs))
        let y = x.silu()
        var seed: Tensor<Float>? = Tensor(shape: y.shape, values: Self.xs.map { 1 + $0 })
        let before = Self.address(seed!.values)
        let gradients = tape.gradients(of: y, seed: seed.take()!)
        #expect(Self.address(gradients[x].values) == before)
    }

    /// Gradients of x and w (and b) for y = x wᵀ (+ b) and of x for batch normalisation, seeded with `seed`:
    /// handed over when `keep` is false, kept by the caller otherwise.
    static func squareLayerGradients(_ op: String, keep: Bool) -> (x: [Float], others: [[Float]], seedAt: UInt) {
        var generator = SeededGenerator(seed: 5)
        let tape = Tape<Float>()
        // 600 rows: three of the products' 256-row blocks, the last one short.
        let x = tape.track(Tensor<Float>.uniform([600, 32], bound: 1, using: &generator))
        let w = tape.track(Tensor<Float>.uniform([32, 32], bound: 0.3, using: &generator))
        let b = tape.track(Tensor<Float>.uniform([32], bound: 0.3, using: &generator))
        let y =
            switch op {
            case "matmul": x.matmul(w, transposeOther: true)
            case "linear": x.linear(weight: w, bias: b)
            default:
                x.batchNormalized(scale: w.narrow(axis: 0, range: 0..<1).reshaped([32]), shift: b, epsilon: 1e-5)
                    .output
            }
        var seed: Tensor<Float>? = Tensor<Float>.uniform(y.shape, bound: 1, using: &generator)
        let seedAt = seed.map { address($0.values) } ?? 0
        let kept = keep ? seed : nil
        let gradients = tape.gradients(of: y, seed: seed.take() ?? Tensor(0))
        withExtendedLifetime(kept) {}
        return (gradients[x].values, [gradients[w].values, gradients[b].values], seedAt)
    }

    /// A square layer's input gradient and batch normalisation's are written over a handed-over seed, with the same
    /// bits as when the caller keeps the seed (and the backward works on a copy).
    @Test(arguments: ["matmul", "linear", "batchnorm"])
    func squareLayersAndBatchNormWriteOverAHandedOverSeed(_ op: String) {
        let handedOver = Self.squareLayerGradients(op, keep: false)
        let kept = Self.squareLayerGradients(op, keep: true)
        #expect(Self.address(handedOver.x) == handedOver.seedAt, "\(op): the input gradient is the seed's storage")
        #expect(Self.address(kept.x) != kept.seedAt, "\(op): a kept seed is not written over")
        #expect(handedOver.x == kept.x && handedOver.others == kept.others, "\(op): the same gradients")
    }

    /// The input gradient written over the seed is g · w, as the product computes it out of place.
    @Test func aSquareProductsInputGradientIsTheProductOfItsSeed() {
        var generator = SeededGenerator(seed: 6)
        let tape = Tape<Float>()
        let x = tape.track(Tensor<Float>.uniform([600, 32], bound: 1, using: &generator))
        let w = Tensor<Float>.uniform([32, 32], bound: 0.3, using: &generator)
        let seed = Tensor<Float>.uniform([600, 32], bound: 1, using: &generator)
        let expected = seed.matmul(w).values
        let gradient = tape.gradients(
            of: x.matmul(w, transposeOther: true), seed: Tensor(shape: [600, 32], values: seed.values))
        #expect(gradient[x].values == expected)
    }

    /// Square products with no rows or no columns have empty or zero gradients of their inputs' shapes (as `gemm`
    /// returns for them) and never reach BLAS, which refuses a leading dimension of 0.
    @Test(arguments: [(5, 0), (0, 3)])
    func emptySquareProductsHaveEmptyGradients(rows: Int, width: Int) {
        let tape = Tape<Float>()
        let x = tape.track(Tensor<Float>(shape: [rows, width], values: [Float](repeating: 1, count: rows * width)))
        let w = tape.track(Tensor<Float>(shape: [width, width], values: [Float](repeating: 1, count: width * width)))
        let y = x.matmul(w, transposeOther: true)
        let gradients = tape.gradients(of: y, seed: Tensor(repeating: 1, shape: y.shape))
        #expect(gradients[x].shape == [rows, width] && gradients[x].values.allSatisfy { $0 == 0 })
        #expect(gradients[w].shape == [width, width] && gradients[w].values.allSatisfy { $0 == 0 })
    }
}

extension Float {
    /// σ(self) in Double, rounded.
    fileprivate var sigmoidReference: Float { Float(1 / (1 + Foundation.exp(-Double(self)))) }
}
