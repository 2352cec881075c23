import NN
import Tensor

/// What one part of a mini-batch contributes to a data-parallel step (`DataParallelStep`): the gradients of its
/// share of the batch's loss, the BatchNorm buffers after its forward pass, and the numbers it reports.
struct PartResult {
    /// The gradient of the part's scaled loss for each parameter, by name (shape: the parameter's); a name absent
    /// when the part gave no gradient for it (no loss at all, or a parameter left out).
    var gradients: [String: Tensor<Float>]
    /// The buffers after the part's forward pass, started from the step's (same names and shapes).
    var buffers: Parameters<Float>
    /// Numbers summed over the parts of a batch, by name (a loss times the part's crystals, hit counts, …).
    var scalars: [String: Double]

    /// The whole batch's result from its parts' results, in part order.
    ///
    /// The same sums in the same order on every rank and for any rank count:
    /// ```
    /// g = g₀; g += g₁; …; g += g_{P−1}     (per parameter: present if present in any part)
    /// b = (b₀ + b₁ + … + b_{P−1}) / P      (per buffer, summed in part order)
    /// s = s₀ + s₁ + … + s_{P−1}            (per scalar)
    /// ```
    /// One part is returned unchanged, so a single-part step is exactly undivided training.
    ///
    /// - Precondition: at least one part; every part has the same buffer names and shapes.
    static func combining(_ parts: [PartResult]) -> PartResult {
        precondition(!parts.isEmpty, "PartResult.combining: no parts")
        guard parts.count > 1 else { return parts[0] }
        var gradients: [String: Tensor<Float>] = [:]
        var scalars: [String: Double] = [:]
        for part in parts {
            for (name, gradient) in part.gradients {
                guard let previous = gradients[name] else {
                    gradients[name] = gradient
                    continue
                }
                var sum = previous.values
                let values = gradient.values
                precondition(sum.count == values.count, "PartResult.combining: gradient of \(name) \(gradient.shape)")
                for i in sum.indices { sum[i] += values[i] }
                gradients[name] = Tensor(shape: previous.shape, values: sum)
            }
            for (name, value) in part.scalars { scalars[name] = scalars[name].map { $0 + value } ?? value }
        }
        var buffers = Parameters<Float>()
        let count = Float(parts.count)
        for name in parts[0].buffers.names {
            var sum = parts[0].buffers[name].values
            for part in parts.dropFirst() {
                let values = part.buffers[name].values
                precondition(sum.count == values.count, "PartResult.combining: buffer \(name) differs between parts")
                for i in sum.indices { sum[i] += values[i] }
            }
            for i in sum.indices { sum[i] /= count }
            buffers[name] = Tensor(shape: parts[0].buffers[name].shape, values: sum)
        }
        return PartResult(gradients: gradients, buffers: buffers, scalars: scalars)
    }
}
