import Foundation
import Models
import NN
import Tensor

/// A head model's single linear layer fitted by ridge regression (`xtal-train --model head --head ridge`).
///
/// The fit is on standardised crystal embeddings and standardised targets, one target at a time over the crystals that have
/// its label. The penalty is λ = α·n; without `--ridge-alpha`, α is the one of 10⁻⁴ … 10 whose fit scores best
/// on the validation set (the early-stopping score of the other models), recorded in the history as
/// `ridge_alpha`, one entry per α tried.
struct RidgeFit {
    static let alphas = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]

    let trainer: MemberTrainer

    func run() -> TrainedModel.Member {
        let inputs = trainer.inputs
        let data = trainer.data
        let train = trainer.split.train
        let initial = inputs.initialize(seed: trainer.seed, train: train)
        var parameters = initial.parameters
        let buffers = initial.buffers
        guard let embeddings = inputs.cache, case .head(let configuration, _, _) = inputs.network else {
            preconditionFailure("RidgeFit: a head model with embeddings")
        }
        let d = configuration.inputs
        let x = EmbeddingHead(configuration).standardized(
            embeddings.gather(rows: train.map(Int32.init)), buffers: buffers
        ).values.map(Double.init)
        let fits = data.targets.indices.map { t -> RidgeRegression? in
            let rows = train.indices.filter { !data.label(train[$0], t).isNaN }
            guard !rows.isEmpty else { return nil }
            let target = data.targets[t]
            return RidgeRegression(
                x: rows.flatMap { x[($0 * d)..<(($0 + 1) * d)] },
                y: rows.map { (data.label(train[$0], t) - target.mean) / target.std }, columns: d)
        }
        var history = TrainingHistory()
        var best: (score: Double, parameters: Parameters<Float>)?
        for alpha in trainer.parameters.ridgeAlpha.map({ [$0] }) ?? Self.alphas {
            let started = Date()
            var weights = [Float](repeating: 0, count: data.targets.count * d)
            var bias = [Float](repeating: 0, count: data.targets.count)
            for (t, fit) in fits.enumerated() {
                guard let fit else { continue }
                let (w, b) = fit.solve(lambda: alpha * Double(fit.rows))
                for j in 0..<d { weights[t * d + j] = Float(w[j]) }
                bias[t] = Float(b)
            }
            parameters["head.0.weight"] = Tensor(shape: [data.targets.count, d], values: weights)
            parameters["head.0.bias"] = Tensor(shape: [data.targets.count], values: bias)
            let fitted = trainer.evaluate(train, parameters: parameters, buffers: buffers)
            let validation = trainer.evaluate(trainer.split.validation, parameters: parameters, buffers: buffers)
            history.trainLoss.append(fitted.loss)
            history.validationLoss.append(validation.loss)
            history.validationScore.append(validation.score)
            history.learningRate.append(0)
            history.seconds.append(Date().timeIntervalSince(started))
            history.validationMetrics["ridge_alpha", default: []].append(alpha)
            for (key, value) in validation.metrics { history.validationMetrics[key, default: []].append(value) }
            if best == nil || validation.score < (best?.score ?? .infinity) {
                best = (validation.score, parameters)
            }
            trainer.log(
                String(
                    format: "ridge α %g: training loss %.4f, validation score %.4f", alpha, fitted.loss,
                    validation.score))
        }
        return TrainedModel.Member(parameters: best?.parameters ?? parameters, buffers: buffers, history: history)
    }
}
