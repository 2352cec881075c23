import Testing

@testable import Tensor

@Suite struct GatedMessagesTests {
    /// The fused inference op against the four ops it replaces, bit for bit, at both precisions, with and
    /// without the batch norm's scale and shift, on enough edges for several blocks (the last one short) and
    /// threads.
    @Test(arguments: [1, 2])
    func equalsGatheredSumAffineAndGatedSoftplus(threads: Int) {
        Parallelism.$threads.withValue(threads) {
            check(Float.self)
            check(Double.self)
        }
    }

    /// A batch without edges: both fused ops give [0, …] results, and the product form's backward gives zero
    /// gradients of the right shapes.
    @Test func noEdges() {
        let a = Tensor<Float>(shape: [3, 4], values: (0..<12).map(Float.init))
        let u = Tensor<Float>(shape: [0, 2], values: [])
        let w = Tensor<Float>(shape: [4, 2], values: (0..<8).map(Float.init))
        #expect(Tensor.gatedMessages(a, rows: [], a, rows: [], plus: u, times: w, affine: nil).shape == [0, 2])
        let tape = Tape<Float>()
        let (ta, tw) = (tape.track(a), tape.track(w))
        let sum = Tensor.gatheredSum(ta, rows: [], ta, rows: [], plus: u, times: tw)
        #expect(sum.shape == [0, 4])
        let gradients = tape.gradients(of: sum.sum())
        #expect(gradients[ta].values == [Float](repeating: 0, count: 12))
        #expect(gradients[tw].values == [Float](repeating: 0, count: 8))
    }

    func check<S: TensorScalar>(_: S.Type) {
        var generator = SeededGenerator(seed: 11)
        let (atoms, edges, width, depth) = (300, 5000, 16, 9)
        let a = Tensor<S>.uniform([atoms, width], bound: 3, using: &generator)
        let b = Tensor<S>.uniform([atoms, width], bound: 3, using: &generator)
        let u = Tensor<S>.uniform([edges, depth], bound: 1, using: &generator)
        let w = Tensor<S>.uniform([width, depth], bound: 1, using: &generator)
        let scale = Tensor<S>.uniform([width], bound: 2, using: &generator)
        let shift = Tensor<S>.uniform([width], bound: 1, using: &generator)
        let dst = (0..<edges).map { Int32($0 * 7 % atoms) }
        let src = (0..<edges).map { Int32($0 * 13 % atoms) }
        let sum = Tensor.gatheredSum(a, rows: dst, b, rows: src, plus: u.matmul(w, transposeOther: true))
        // The product form of gatheredSum, too, gives the same bits: the products of several blocks, one short.
        #expect(Tensor.gatheredSum(a, rows: dst, b, rows: src, plus: u, times: w).values == sum.values, "\(S.self)")
        let fused = Tensor.gatedMessages(a, rows: dst, b, rows: src, plus: u, times: w, affine: (scale, shift))
        #expect(fused.shape == [edges, width / 2])
        #expect(fused.values == sum.affine(scale: scale, shift: shift).sigmoidGatedSoftplus().values, "\(S.self)")
        let plain = Tensor.gatedMessages(a, rows: dst, b, rows: src, plus: u, times: w, affine: nil)
        #expect(plain.values == sum.sigmoidGatedSoftplus().values, "\(S.self), no scale")
    }
}
