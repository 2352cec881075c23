import Foundation
import Tensor

/// A Double tensor of `shape` with values uniform in `range`.
public func random(_ shape: [Int], in range: ClosedRange<Double> = -2...2, seed: UInt64) -> Tensor<Double> {
    var generator = SeededGenerator(seed: seed)
    return Tensor(
        shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Double.random(in: range, using: &generator) })
}

/// The gradients of L = Σ w ⊙ f(inputs) (w fixed and random, so every output element matters) from the tape,
/// compared with central finite differences in Double element by element; returns one line per element that
/// disagrees (empty when all agree).
///
/// Tolerance: |analytic − numeric| ≤ 1e-6 + 1e-5 · |numeric|, with step h = 1e-5 · max(1, |x|); the
/// difference quotient's own error is O(h²) ≈ 1e-10 relative for these smooth functions.
public func gradientCheckFailures(
    _ inputs: [Tensor<Double>], _ name: String, _ f: ([Tensor<Double>]) -> Tensor<Double>
) -> [String] {
    let probe = f(inputs)
    let weights = random(probe.shape, in: -1...1, seed: 99)
    func loss(_ xs: [Tensor<Double>]) -> Double { zip(f(xs).values, weights.values).map(*).reduce(0, +) }

    let tape = Tape<Double>()
    let tracked = inputs.map(tape.track)
    let grads = tape.gradients(of: (f(tracked) * weights).sum())
    var failures: [String] = []
    for (i, input) in inputs.enumerated() {
        let analytic = grads[tracked[i]]
        guard analytic.shape == input.shape else {
            failures.append("\(name): gradient of input \(i) has shape \(analytic.shape), not \(input.shape)")
            continue
        }
        for k in 0..<input.count {
            let h = 1e-5 * max(1, abs(input.values[k]))
            var plus = inputs
            var minus = inputs
            var up = input.values
            var down = input.values
            up[k] += h
            down[k] -= h
            plus[i] = Tensor(shape: input.shape, values: up)
            minus[i] = Tensor(shape: input.shape, values: down)
            let numeric = (loss(plus) - loss(minus)) / (2 * h)
            if abs(analytic.values[k] - numeric) > 1e-6 + 1e-5 * abs(numeric) {
                failures.append("\(name): input \(i) element \(k): analytic \(analytic.values[k]), numeric \(numeric)")
            }
        }
    }
    return failures
}
