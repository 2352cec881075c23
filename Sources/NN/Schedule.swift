import Foundation
import Tensor

/// Learning-rate schedules: the rate for an epoch from the initial rate.
public enum Schedule: Sendable, Hashable, Codable {
    /// Constant.
    case constant
    /// Multiplied by `gamma` every `every` epochs (PyTorch `StepLR`).
    case step(every: Int, gamma: Double)
    /// Cosine from the initial rate down to `minimum` over `epochs` (PyTorch `CosineAnnealingLR`).
    case cosine(epochs: Int, minimum: Double)
    /// (1 − epoch/epochs)^power from the initial rate down to `minimum` (polynomial decay).
    case polynomial(epochs: Int, power: Double, minimum: Double)

    /// The learning rate at `epoch` (0-based; fractional within an epoch when the rate is set every step, as Keras's
    /// decay schedules do) for initial rate `initial`.
    public func rate(epoch: Double, initial: Double) -> Double {
        switch self {
        case .constant:
            return initial
        case .step(let every, let gamma):
            return initial * pow(gamma, Double(Int(epoch) / max(every, 1)))
        case .cosine(let epochs, let minimum):
            let t = min(epoch, Double(epochs)) / Double(max(epochs, 1))
            return minimum + (initial - minimum) * (1 + cos(Double.pi * t)) / 2
        case .polynomial(let epochs, let power, let minimum):
            let t = min(epoch, Double(epochs)) / Double(max(epochs, 1))
            return minimum + (initial - minimum) * pow(1 - t, power)
        }
    }
}

/// Reduce-on-plateau (PyTorch `ReduceLROnPlateau`, mode min): after `patience` epochs without the
/// validation metric improving by more than `threshold` (relative), the rate is multiplied by `factor`,
/// not below `minimum`.
public struct PlateauReducer: Sendable, Hashable, Codable {
    public let factor: Double
    public let patience: Int
    public let threshold: Double
    public let minimum: Double
    public private(set) var best = Double.infinity
    public private(set) var badEpochs = 0

    public init(factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4, minimum: Double = 0) {
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.minimum = minimum
    }

    /// Records `metric` for an epoch and returns the rate to use next.
    public mutating func step(metric: Double, rate: Double) -> Double {
        if metric < best * (1 - threshold) {
            best = metric
            badEpochs = 0
            return rate
        }
        badEpochs += 1
        guard badEpochs > patience else { return rate }
        badEpochs = 0
        return max(rate * factor, minimum)
    }
}

/// Scales all gradients down so that their global L2 norm is at most `maxNorm` (PyTorch
/// `clip_grad_norm_`); returns the norm before clipping.
///
/// The squares are summed in name order, so the norm is the same in every process (a dictionary's order is not).
@discardableResult
public func clipGradients<S>(_ gradients: inout [String: Tensor<S>], maxNorm: S) -> S {
    var total: S = 0
    for name in gradients.keys.sorted() { for v in gradients[name]?.values ?? [] { total += v * v } }
    let norm = total.squareRoot()
    guard norm > maxNorm, norm > 0 else { return norm }
    let scale = maxNorm / (norm + S(1e-6))
    for (name, grad) in gradients { gradients[name] = grad * Tensor(scale) }
    return norm
}
