import Testing

@testable import Tensor

@Suite struct RowGatherTests {
    /// Float gather and scatter-add (the C loops, which prefetch rows ahead) against plain loops, bit for bit:
    /// widths that are not whole cache lines, more edges than the prefetch distance, repeated and unused rows, and
    /// enough elements to split the scatter's destination rows across 1, 2 and 3 threads.
    @Test(arguments: [1, 2, 3])
    func floatRowsEqualPlainLoops(threads: Int) {
        var generator = SeededGenerator(seed: 7)
        for (nodes, edges, width) in [(40, 3, 5), (97, 5000, 17), (3000, 3000, 64), (1, 100, 1)] {
            let x = Tensor<Float>.uniform([nodes, width], bound: 1, using: &generator)
            let messages = Tensor<Float>.uniform([edges, width], bound: 1, using: &generator)
            // Indices below nodes − 1 only, so the last row is never picked (zeros after the scatter).
            let index = (0..<edges).map { _ in Int32.random(in: 0..<Int32(Swift.max(nodes - 1, 1)), using: &generator) }
            var gathered = [Float]()
            var summed = [Float](repeating: 0, count: nodes * width)
            for (e, row) in index.enumerated() {
                gathered += x.values[Int(row) * width..<Int(row + 1) * width]
                for j in 0..<width { summed[Int(row) * width + j] += messages.values[e * width + j] }
            }
            Parallelism.$threads.withValue(threads) {
                // Compared apart from #expect, which would print every value on a failure.
                let (sameGather, sameSum) = (
                    x.gather(rows: index).values == gathered,
                    messages.scatterAdd(rows: index, count: nodes).values == summed
                )
                #expect(sameGather, "gather of \(edges) rows from \(nodes)×\(width)")
                #expect(sameSum, "scatterAdd of \(edges)×\(width) into \(nodes) rows")
            }
        }
    }
}
