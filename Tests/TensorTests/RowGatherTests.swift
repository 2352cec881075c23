import CKernels
import Testing

@testable import Tensor

@Suite struct RowGatherTests {
    /// Float gather and scatter-add (the C loops, which prefetch rows ahead) against plain loops, bit for bit.
    ///
    /// Widths that are not whole cache lines, more edges than the prefetch distance, repeated and unused rows,
    /// indices in order and out of order, and enough elements to split the scatter's destination rows across 1, 2,
    /// 3 and 4 threads. Out of order and large, the scatter sums each half of the edges apart and adds the two (on
    /// 4 threads each half's rows in two blocks).
    @Test(arguments: [1, 2, 3, 4])
    func floatRowsEqualPlainLoops(threads: Int) {
        var generator = SeededGenerator(seed: 7)
        let shapes = [(40, 3, 5, false), (97, 5000, 17, false), (3000, 3000, 64, false), (1, 100, 1, false)]
        for (nodes, edges, width, sorted) in shapes + [(97, 5000, 17, true), (3000, 3000, 64, true)] {
            let x = Tensor<Float>.uniform([nodes, width], bound: 1, using: &generator)
            let messages = Tensor<Float>.uniform([edges, width], bound: 1, using: &generator)
            // Indices below nodes − 1 only, so the last row is never picked (zeros after the scatter).
            let drawn = (0..<edges).map { _ in Int32.random(in: 0..<Int32(Swift.max(nodes - 1, 1)), using: &generator) }
            let index = sorted ? drawn.sorted() : drawn
            let halves = edges * width >= 2 * Parallelism.grain && index != index.sorted()
            var gathered = [Float]()
            var summed = [[Float]](repeating: [Float](repeating: 0, count: nodes * width), count: 2)
            for (e, row) in index.enumerated() {
                gathered += x.values[Int(row) * width..<Int(row + 1) * width]
                let half = halves && e >= edges / 2 ? 1 : 0
                for j in 0..<width { summed[half][Int(row) * width + j] += messages.values[e * width + j] }
            }
            let summedHalves = zip(summed[0], summed[1]).map { halves ? $0 + $1 : $0 }
            Parallelism.$threads.withValue(threads) {
                // Compared apart from #expect, which would print every value on a failure.
                let (sameGather, sameSum) = (
                    x.gather(rows: index).values == gathered,
                    messages.scatterAdd(rows: index, count: nodes).values == summedHalves
                )
                #expect(sameGather, "gather of \(edges) rows from \(nodes)×\(width)")
                #expect(sameSum, "scatterAdd of \(edges)×\(width) into \(nodes) rows, sorted \(sorted)")
            }
        }
    }

    /// The gather's streaming stores (`xtal_gather_rows` with `stream`, for outputs past the caches) write the
    /// same values as its plain stores: rows of whole 16-byte groups streamed, other widths (17, 1) and outputs not
    /// 16-byte aligned written plainly.
    @Test func streamedGatherEqualsPlainGather() {
        var generator = SeededGenerator(seed: 9)
        for width in [64, 4, 12, 17, 1] {
            let (nodes, edges) = (50, 301)
            let x = Tensor<Float>.uniform([nodes, width], bound: 1, using: &generator).values
            let index = (0..<edges).map { _ in Int32.random(in: 0..<Int32(nodes), using: &generator) }
            for offset in 0..<4 {
                // Output rows from `offset` floats past a 16-byte-aligned start (a Swift array's elements are).
                func gathered(stream: Int32) -> [Float] {
                    var out = [Float](repeating: 0, count: edges * width + 4)
                    out.withUnsafeMutableBufferPointer { o in
                        xtal_gather_rows(x, index, edges, width, stream, o.baseAddress! + offset)
                    }
                    return out
                }
                let (plain, streamed) = (gathered(stream: 0), gathered(stream: 1))
                #expect(plain == streamed, "width \(width), offset \(offset)")
                #expect(plain[offset..<(offset + width)] == x[Int(index[0]) * width..<Int(index[0] + 1) * width])
            }
        }
    }
}
