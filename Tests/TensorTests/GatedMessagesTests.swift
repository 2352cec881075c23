import Testing

@testable import Tensor

@Suite struct GatedMessagesTests {
    /// The fused inference op against the training ops it replaces, bit for bit, at both precisions, with and
    /// without the batch norm's scale and shift, on enough edges for several chunks and blocks, on 1 and 2 threads;
    /// and the blocked product against the plain one up to rounding.
    @Test(arguments: [1, 2])
    func equalsGatheredSumAffineGatedSoftplusAndSegmentSum(threads: Int) {
        Parallelism.$threads.withValue(threads) {
            check(Float.self)
            check(Double.self)
        }
    }

    /// The blocks of banded features: a permutation of the edges, whole segments per chunk, at most
    /// `gemmRows` rows per block, every nonzero of a row inside its block's columns, and fewer columns than u has.
    @Test func blocksCoverEveryNonzero() {
        let (u, offsets) = Self.bandedFeatures(Float.self, edges: 5000, depth: 41, segments: 400)
        let blocks = EdgeBlocks(u, segments: offsets, chunkEdges: 700)
        #expect(blocks.order.sorted() == (0..<5000).map(Int32.init))
        #expect(blocks.chunks.first?.segments.lowerBound == 0 && blocks.chunks.last?.segments.upperBound == 400)
        for (chunk, next) in zip(blocks.chunks, blocks.chunks.dropFirst()) {
            #expect(chunk.segments.upperBound == next.segments.lowerBound)
            #expect(offsets[chunk.segments.upperBound] - offsets[chunk.segments.lowerBound] >= 700)
        }
        for chunk in blocks.chunks {
            let edges = offsets[chunk.segments.lowerBound]..<offsets[chunk.segments.upperBound]
            #expect(
                Set(chunk.blocks.flatMap { blocks.order[blocks.blocks[$0].positions] }) == Set(edges.map(Int32.init)))
        }
        for block in blocks.blocks {
            #expect(block.positions.count <= Parallelism.gemmRows)
            for position in block.positions {
                let e = Int(blocks.order[position])
                for k in 0..<41 where u.values[e * 41 + k] != 0 { #expect(block.columns.contains(k)) }
            }
        }
        #expect(blocks.meanColumns < 30, "\(blocks.meanColumns)")
        // Chunks are made in parallel: the same blocks, order and packed rows on two threads.
        let parallel = Parallelism.$threads.withValue(2) { EdgeBlocks(u, segments: offsets, chunkEdges: 700) }
        #expect(parallel.order == blocks.order && parallel.blocks == blocks.blocks)
        for block in blocks.blocks {
            let used = block.packed..<(block.packed + block.positions.count * block.columns.count)
            #expect(parallel.packed[used] == blocks.packed[used])
        }
    }

    /// A batch without edges: the fused op gives zero sums for its atoms, and the blocked product's backward
    /// zero gradients of the right shapes.
    @Test func noEdges() {
        let a = Tensor<Float>(shape: [3, 4], values: (0..<12).map(Float.init))
        let u = Tensor<Float>(shape: [0, 2], values: [])
        let w = Tensor<Float>(shape: [4, 2], values: (0..<8).map(Float.init))
        let blocks = EdgeBlocks(u, segments: [0, 0, 0, 0])
        let sums = Tensor.gatedMessageSums(a, rows: [], a, rows: [], plus: blocks, times: w, affine: nil)
        #expect(sums.shape == [3, 2] && sums.values == [Float](repeating: 0, count: 6))
        let tape = Tape<Float>()
        let (ta, tw) = (tape.track(a), tape.track(w))
        let sum = Tensor.gatheredSum(ta, rows: [], ta, rows: [], plus: blocks, times: tw)
        #expect(sum.shape == [0, 4])
        let gradients = tape.gradients(of: sum.sum())
        #expect(gradients[ta].values == [Float](repeating: 0, count: 12))
        #expect(gradients[tw].values == [Float](repeating: 0, count: 8))
    }

    /// Gaussian-like features: each edge's nonzeros a run of about a third of the columns, at a place that
    /// varies with the edge; and CSR offsets of `segments` segments of uneven length (some empty).
    static func bandedFeatures<S: TensorScalar>(_: S.Type, edges: Int, depth: Int, segments: Int) -> (
        Tensor<S>, [Int]
    ) {
        var generator = SeededGenerator(seed: 5)
        let noise = Tensor<S>.uniform([edges, depth], bound: 1, using: &generator)
        var values = [S](repeating: 0, count: edges * depth)
        for e in 0..<edges {
            let start = e * 7919 % (depth - depth / 3)
            for k in start..<(start + depth / 3) { values[e * depth + k] = noise.values[e * depth + k] + 2 }
        }
        let cuts = (1..<segments).map { _ in Int.random(in: 0...edges, using: &generator) }
        return (Tensor(shape: [edges, depth], values: values), [0] + cuts.sorted() + [edges])
    }

    func check<S: TensorScalar>(_: S.Type) {
        var generator = SeededGenerator(seed: 11)
        let (atoms, edges, width, depth) = (300, 5000, 16, 12)
        let a = Tensor<S>.uniform([atoms, width], bound: 3, using: &generator)
        let b = Tensor<S>.uniform([atoms, width], bound: 3, using: &generator)
        let w = Tensor<S>.uniform([width, depth], bound: 1, using: &generator)
        let scale = Tensor<S>.uniform([width], bound: 2, using: &generator)
        let shift = Tensor<S>.uniform([width], bound: 1, using: &generator)
        let (u, offsets) = Self.bandedFeatures(S.self, edges: edges, depth: depth, segments: atoms)
        // Edges into atom s are its segment; sources anywhere.
        let dst = (0..<atoms).flatMap { s in (offsets[s]..<offsets[s + 1]).map { _ in Int32(s) } }
        let src = (0..<edges).map { Int32($0 * 13 % atoms) }
        let blocks = EdgeBlocks(u, segments: offsets, chunkEdges: 600)
        let sum = Tensor.gatheredSum(a, rows: dst, b, rows: src, plus: blocks, times: w)
        // The blocked product is the plain one up to rounding (OpenBLAS rounds by a row's place in a call).
        let plain = Tensor.gatheredSum(a, rows: dst, b, rows: src, plus: u.matmul(w, transposeOther: true))
        #expect(zip(sum.values, plain.values).allSatisfy { abs($0 - $1) <= 1e-5 * (1 + abs($1)) }, "\(S.self)")
        let fused = Tensor.gatedMessageSums(a, rows: dst, b, rows: src, plus: blocks, times: w, affine: (scale, shift))
        #expect(fused.shape == [atoms, width / 2])
        let reference = sum.affine(scale: scale, shift: shift).sigmoidGatedSoftplus().segmentSum(offsets: offsets)
        let same = fused.values == reference.values  // a Bool: on failure, not two arrays of 2400 values printed
        #expect(same, "\(S.self)")
        let bare = Tensor.gatedMessageSums(a, rows: dst, b, rows: src, plus: blocks, times: w, affine: nil)
        let bareSame = bare.values == sum.sigmoidGatedSoftplus().segmentSum(offsets: offsets).values
        #expect(bareSame, "\(S.self), no scale")
    }
}
