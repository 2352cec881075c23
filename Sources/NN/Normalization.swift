import Tensor

/// Batch normalisation over the rows of [n, features] (Ioffe & Szegedy 2015), as PyTorch's `BatchNorm1d`:
/// training normalises with the batch's mean and biased variance and updates the running statistics with
/// momentum (unbiased variance); evaluation uses the running statistics.
///
/// Parameters `<name>.weight`, `<name>.bias`; buffers `<name>.running_mean`, `<name>.running_var`.
public struct BatchNorm: Sendable {
    public let name: String
    public let features: Int
    public let epsilon: Double
    public let momentum: Double

    public init(_ name: String, features: Int, epsilon: Double = 1e-5, momentum: Double = 0.1) {
        self.name = name
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
    }

    /// Adds γ = 1, β = 0 and running statistics 0 and 1.
    public func initialize<S>(_ parameters: inout Parameters<S>, buffers: inout Parameters<S>) {
        parameters["\(name).weight"] = Tensor(repeating: 1, shape: [features])
        parameters["\(name).bias"] = Tensor(repeating: 0, shape: [features])
        buffers["\(name).running_mean"] = Tensor(repeating: 0, shape: [features])
        buffers["\(name).running_var"] = Tensor(repeating: 1, shape: [features])
    }

    /// Evaluation as x·a + b per column: (x − μ)/√(σ² + ε)·γ + β with a = γ/√(σ² + ε), b = β − μ·a from the
    /// running statistics (scale a and shift b, each [features]); one pass over x, or folded into another op.
    public func evaluationAffine<S>(_ parameters: Parameters<S>, buffers: Parameters<S>) -> (
        scale: Tensor<S>, shift: Tensor<S>
    ) {
        let a = parameters["\(name).weight"] / (buffers["\(name).running_var"] + Tensor<S>(S(epsilon))).sqrt()
        return (a, parameters["\(name).bias"] - buffers["\(name).running_mean"] * a)
    }

    /// x [n, features] → normalised, scaled and shifted; in training, `buffers` gets the updated statistics.
    public func callAsFunction<S>(
        _ x: Tensor<S>, _ parameters: Parameters<S>, buffers: inout Parameters<S>, training: Bool
    ) -> Tensor<S> {
        check(x, training: training)
        guard training else {
            let (a, b) = evaluationAffine(parameters, buffers: buffers)
            return x.affine(scale: a, shift: b)
        }
        let (output, mean, variance) = x.batchNormalized(
            scale: parameters["\(name).weight"], shift: parameters["\(name).bias"], epsilon: S(epsilon))
        update(&buffers, mean: mean, variance: variance, rows: x.shape[0])
        return output
    }

    /// `sigmoidGatedSoftplus()` of this batch norm's output, x [n, features] → [n, features / 2]: CGCNN's gate.
    ///
    /// In training one op (`batchNormalizedGatedSoftplus`: the normalised x is never stored), the same bits as
    /// the two.
    public func gatedSoftplus<S>(
        _ x: Tensor<S>, _ parameters: Parameters<S>, buffers: inout Parameters<S>, training: Bool
    ) -> Tensor<S> {
        guard training else { return self(x, parameters, buffers: &buffers, training: false).sigmoidGatedSoftplus() }
        check(x, training: true)
        let (output, mean, variance) = x.batchNormalizedGatedSoftplus(
            scale: parameters["\(name).weight"], shift: parameters["\(name).bias"], epsilon: S(epsilon))
        update(&buffers, mean: mean, variance: variance, rows: x.shape[0])
        return output
    }

    private func check<S>(_ x: Tensor<S>, training: Bool) {
        precondition(
            x.rank == 2 && x.shape[1] == features, "BatchNorm \(name): input \(x.shape), expects [n, \(features)]")
        precondition(
            !training || x.shape[0] > 1, "BatchNorm \(name): training needs more than one row, got \(x.shape[0])")
    }

    /// The running statistics moved towards a training batch's (n rows) by `momentum`, the variance unbiased.
    private func update<S>(_ buffers: inout Parameters<S>, mean: [S], variance: [S], rows n: Int) {
        let m = S(momentum)
        let unbiased = S(n) / S(n - 1)
        let oldMean = buffers["\(name).running_mean"].values
        let oldVar = buffers["\(name).running_var"].values
        buffers["\(name).running_mean"] = Tensor(
            shape: [features], values: (0..<features).map { (1 - m) * oldMean[$0] + m * mean[$0] })
        buffers["\(name).running_var"] = Tensor(
            shape: [features], values: (0..<features).map { (1 - m) * oldVar[$0] + m * variance[$0] * unbiased })
    }
}

/// Layer normalisation over the last axis of [n, features], as PyTorch's `LayerNorm` (Ba and others, 2016).
public struct LayerNorm: Sendable {
    public let name: String
    public let features: Int
    public let epsilon: Double

    public init(_ name: String, features: Int, epsilon: Double = 1e-5) {
        self.name = name
        self.features = features
        self.epsilon = epsilon
    }

    public func initialize<S>(_ parameters: inout Parameters<S>) {
        parameters["\(name).weight"] = Tensor(repeating: 1, shape: [features])
        parameters["\(name).bias"] = Tensor(repeating: 0, shape: [features])
    }

    public func callAsFunction<S>(_ x: Tensor<S>, _ parameters: Parameters<S>) -> Tensor<S> {
        precondition(
            x.rank == 2 && x.shape[1] == features, "LayerNorm \(name): input \(x.shape), expects [n, \(features)]")
        let n = x.shape[0]
        let centred = x - x.mean(axis: 1).reshaped([n, 1])
        let variance = (centred * centred).mean(axis: 1).reshaped([n, 1])
        return centred / (variance + Tensor(S(epsilon))).sqrt() * parameters["\(name).weight"]
            + parameters["\(name).bias"]
    }
}
