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
}

extension Float {
    /// σ(self) in Double, rounded.
    fileprivate var sigmoidReference: Float { Float(1 / (1 + Foundation.exp(-Double(self)))) }
}
