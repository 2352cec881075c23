import Testing

@testable import Tensor

@Suite struct BatchNormalizationTests {
    /// Float batch statistics over many row blocks, for columns far from zero relative to their spread (where
    /// Σx² − (Σx)²/n would lose every digit in Float), against a two-pass Double computation.
    @Test func floatStatisticsMatchATwoPassDoubleReferenceForOffsetColumns() {
        let (n, f) = (40_000, 3)
        var generator = SeededGenerator(seed: 5)
        let centres: [Double] = [10_000, -3, 0]
        let spreads: [Double] = [0.5, 100, 1e-3]
        let columns = (0..<f).map { j in
            (0..<n).map { _ in Double(Float(centres[j] + spreads[j] * Double.random(in: -1...1, using: &generator))) }
        }
        let x = Tensor<Float>(shape: [n, f], values: (0..<n).flatMap { r in (0..<f).map { Float(columns[$0][r]) } })
        let (output, mean, variance) = x.batchNormalized(
            scale: Tensor(repeating: 1, shape: [f]), shift: Tensor(repeating: 0, shape: [f]), epsilon: 0)
        for j in 0..<f {
            let mu = columns[j].reduce(0, +) / Double(n)
            let sigma2 = columns[j].map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(n)
            #expect(
                abs(Double(mean[j]) - mu) <= 1e-6 * max(abs(mu), spreads[j]), "column \(j) mean \(mean[j]) vs \(mu)")
            #expect(
                abs(Double(variance[j]) - sigma2) <= 1e-4 * sigma2, "column \(j) variance \(variance[j]) vs \(sigma2)")
            let normalised = (0..<n).map { Double(output.values[$0 * f + j]) }
            let spread = normalised.map { $0 * $0 }.reduce(0, +) / Double(n)
            #expect(abs(spread - 1) < 1e-3, "column \(j): normalised variance \(spread)")
        }
    }
}
