import Foundation
import Models
import NN
import Pipeline
import Store
import Tensor

/// Trains one ensemble member: epochs of shuffled mini-batches, validation after each, the best weights by
/// validation score kept, early stopping, and a checkpoint after every epoch from which `--resume` continues
/// exactly (the shuffle of epoch e and every other random choice derive from the seed and e alone).
struct MemberTrainer {
    let data: TrainingData
    let split: DataSplit
    let parameters: TrainParameters
    let inputs: NetworkInputs
    /// A pretrained encoder's weights to start from (`--init`), nil for a random start.
    let initialization: EncoderInitialization?
    let member: Int
    /// Where this member's training state is checkpointed (`models/<name>.training/member-<k>.h5`).
    let statePath: String
    /// Hash of everything that determines the result; a state file with another is not resumed.
    let parameterHash: String
    let log: (String) -> Void
    /// How each mini-batch is cut into parts and shared between ranks (one process, undivided by default).
    ///
    /// Only its rank 0 writes the checkpoints.
    var step = DataParallelStep.single

    /// Member k trains as a single model with seed `seed + k` would (the split is the run's, from `seed`).
    var seed: UInt64 { parameters.seed &+ UInt64(member) }

    /// What survives between epochs.
    struct State: Codable {
        /// Epochs completed.
        var epoch = 0
        var learningRate: Double
        var plateau: PlateauReducer?
        var bestScore = Double.infinity
        var bestEpoch = -1
        var finished = false
        var history = TrainingHistory()
    }

    /// Trains (or, with `resume` and a matching state file, continues) and returns the best weights.
    func run(resume: Bool) throws -> TrainedModel.Member {
        var (current, buffers) = inputs.initialize(seed: seed, train: split.train)
        initialization?.apply(to: &current, buffers: &buffers)
        var best = (current, buffers)
        var optimizer = makeOptimizer()
        var state = State(learningRate: parameters.learningRate)
        if case .plateau(let factor, let patience) = parameters.schedule {
            state.plateau = PlateauReducer(factor: factor, patience: patience)
        }
        if resume, FileManager.default.fileExists(atPath: statePath) {
            let root = try StoreFile.open(statePath).root
            guard try root.stringAttribute("parameter_hash") == parameterHash else {
                throw TrainError.resumeMismatch(statePath)
            }
            state = try CanonicalJSON.decode(State.self, from: try root.stringAttribute("state"))
            var restored: Optimizer<Float>? = optimizer
            (current, buffers) = try Checkpoint.load(current, from: root, name: "current", optimizer: &restored)
            optimizer = restored ?? optimizer
            var none: Optimizer<Float>? = nil
            best = try Checkpoint.load(current, from: root, name: "best", optimizer: &none)
            log("member \(member + 1): resumed after epoch \(state.epoch)")
        }
        // Every rank starts from rank 0's weights (the same already, unless a rank's state file differed).
        (current, buffers) = (step.broadcast(current), step.broadcast(buffers))
        while !state.finished && state.epoch < parameters.epochs {
            let started = Date()
            let epoch = state.epoch
            if let rate = scheduledRate(epoch: epoch, step: optimizer.step) { state.learningRate = rate }
            optimizer.learningRate = Float(state.learningRate)
            let trainLoss = try trainEpoch(epoch, &current, &buffers, &optimizer)
            let evaluation = evaluate(split.validation, parameters: current, buffers: buffers)
            let score = evaluation.score
            state.history.trainLoss.append(trainLoss)
            state.history.validationLoss.append(evaluation.loss)
            state.history.validationScore.append(score)
            state.history.learningRate.append(state.learningRate)
            for (key, value) in evaluation.metrics { state.history.validationMetrics[key, default: []].append(value) }
            // Without a validation set, the last epoch is the best.
            if score < state.bestScore || score.isNaN {
                state.bestScore = score.isNaN ? state.bestScore : score
                state.bestEpoch = epoch
                best = (current, buffers)
            }
            if let plateau = state.plateau, !score.isNaN {
                var reducer = plateau
                state.learningRate = reducer.step(metric: score, rate: state.learningRate)
                state.plateau = reducer
            }
            state.epoch += 1
            if parameters.patience > 0 && state.epoch - 1 - state.bestEpoch >= parameters.patience {
                state.finished = true
            }
            state.history.seconds.append(Date().timeIntervalSince(started))
            if step.isRoot {
                try checkpoint(state, current: current, buffers: buffers, optimizer: optimizer, best: best)
            }
            log(progressLine(state, evaluation: evaluation))
        }
        return TrainedModel.Member(parameters: best.0, buffers: best.1, history: state.history)
    }

    /// A fixed schedule's rate for epoch `epoch` (0-based), or for the optimiser's next step; nil with a plateau
    /// schedule.
    ///
    /// With `scheduleEveryStep`, the rate after `step` steps taken is the schedule's at the fractional epoch
    /// step · batch size / training crystals, as Keras's `PolynomialDecay` over `epochs · n / batch size` steps
    /// (kgcnn's coGN recipe).
    private func scheduledRate(epoch: Int, step: Int) -> Double? {
        guard case .fixed(let schedule) = parameters.schedule else { return nil }
        let at =
            parameters.scheduleEveryStep == true
            ? Double(step) * Double(parameters.batchSize) / Double(max(split.train.count, 1)) : Double(epoch)
        return schedule.rate(epoch: at, initial: parameters.learningRate)
    }

    private func makeOptimizer() -> Optimizer<Float> {
        let decay = Float(parameters.weightDecay)
        let (epsilon, hat) = parameters.adamEpsilonHat.map { (Float($0), true) } ?? (1e-8, false)
        let kind: Optimizer<Float>.Kind =
            switch parameters.optimizer {
            case "sgd": .sgd(momentum: Float(parameters.momentum))
            case "adamw": .adamW(beta1: 0.9, beta2: 0.999, epsilon: epsilon, weightDecay: decay, epsilonHat: hat)
            default: .adam(beta1: 0.9, beta2: 0.999, epsilon: epsilon, weightDecay: decay, epsilonHat: hat)
            }
        return Optimizer(kind, learningRate: Float(parameters.learningRate))
    }

    /// The mini-batches of epoch `epoch` (`miniBatches`) of the training crystals.
    func batches(epoch: Int) -> [[Int]] {
        miniBatches(of: split.train, size: parameters.batchSize, seed: seed, epoch: epoch)
    }

    /// One epoch of updates; returns the mean loss per crystal.
    ///
    /// Each mini-batch is one `DataParallelStep`: its parts' gradients summed, then the encoder freeze, clipping and
    /// the optimiser's update as for an undivided batch.
    private func trainEpoch(
        _ epoch: Int, _ current: inout Parameters<Float>, _ buffers: inout Parameters<Float>,
        _ optimizer: inout Optimizer<Float>
    ) throws -> Double {
        var total = 0.0
        var count = 0
        for members in batches(epoch: epoch) {
            // Every rank knows every crystal's labels, so each part's share of the batch's loss needs no exchange.
            let batchRows = labelledRows(members)
            let weights = current
            let combined = step.run(members, parameters: current, buffers: buffers) { part in
                let tape = Tape<Float>()
                let bound = weights.tracked(on: tape)
                var partBuffers = buffers
                let outputs = inputs.outputs(part, bound, buffers: &partBuffers, training: true)
                guard let loss = self.loss(outputs, crystals: part, batchRows: batchRows) else {
                    return PartResult(gradients: [:], buffers: partBuffers, scalars: [:])
                }
                return PartResult(
                    gradients: bound.gradients(tape.gradients(of: loss)), buffers: partBuffers,
                    scalars: ["loss": Double(loss.scalar)])
            }
            buffers = combined.buffers
            // No crystal of the batch has a label: its BatchNorm statistics count, but there is nothing to learn.
            guard let value = combined.scalars["loss"] else { continue }
            // Caught here, before the optimiser writes them into the weights, naming the batch's crystals.
            let what = !value.isFinite ? "loss" : combined.gradients.values.allSatisfy(\.isFinite) ? nil : "gradient"
            if let what {
                throw TrainError.diverged(
                    member: member + 1, epoch: epoch + 1, what: what, crystals: members.map { data.ids[$0] })
            }
            var gradients = combined.gradients
            if let initialization, epoch < parameters.freezeEncoderEpochs {
                gradients = gradients.filter { initialization.weights[$0.key] == nil }
            }
            if parameters.clipNorm > 0 { clipGradients(&gradients, maxNorm: Float(parameters.clipNorm)) }
            if parameters.scheduleEveryStep == true, let rate = scheduledRate(epoch: epoch, step: optimizer.step) {
                optimizer.learningRate = Float(rate)
            }
            optimizer.update(&current, gradients: gradients)
            total += value * Double(members.count)
            count += members.count
        }
        return count > 0 ? total / Double(count) : .nan
    }

    /// How many of `crystals` have each target's label, per target.
    func labelledRows(_ crystals: [Int]) -> [Int] {
        data.targets.indices.map { t in crystals.count(where: { !data.label($0, t).isNaN }) }
    }

    /// The multitask loss Σ_t w_t L_t / T of MT-CGCNN over the crystals that have each label (regression
    /// losses on standardised labels; negative log-likelihood for classes); nil when no crystal has a label.
    ///
    /// With `batchRows` (`labelledRows` of the whole mini-batch that `crystals` is a part of), each target's mean
    /// term is scaled by the part's share of that target's labelled rows, rows(part) / rows(batch), so that the
    /// parts' losses add up to the batch's.
    func loss(_ outputs: [Tensor<Float>], crystals: [Int], batchRows: [Int]? = nil) -> Tensor<Float>? {
        var total: Tensor<Float>? = nil
        let count = Float(data.targets.count)
        for (t, target) in data.targets.enumerated() {
            var rows: [Int32] = []
            var labels: [Float] = []
            for (row, crystal) in crystals.enumerated() {
                let y = data.label(crystal, t)
                guard !y.isNaN else { continue }
                rows.append(Int32(row))
                labels.append(Float(target.classification ? y : (y - target.mean) / target.std))
            }
            guard !rows.isEmpty else { continue }
            let predicted = outputs[t].gather(rows: rows)
            var term: Tensor<Float>
            if target.classification {
                var oneHot = [Float](repeating: 0, count: predicted.count)
                for (row, y) in labels.enumerated() { oneHot[row * predicted.shape[1] + Int(y)] = 1 }
                let picked = predicted * Tensor(shape: predicted.shape, values: oneHot)
                term = -picked.sum() * Tensor(1 / Float(rows.count))
            } else {
                let y = Tensor(shape: [rows.count, 1], values: labels)
                term =
                    switch parameters.loss {
                    case "l1": Loss.l1(predicted, y)
                    case "huber": Loss.huber(predicted, y)
                    default: Loss.mse(predicted, y)
                    }
            }
            if let batchRows, batchRows[t] != rows.count {
                term = term * Tensor(Float(Double(rows.count) / Double(batchRows[t])))
            }
            let weighted = term * Tensor(Float(target.weight) / count)
            total = total.map { $0 + weighted } ?? weighted
        }
        return total
    }

    /// Validation (or test) results: the loss, per-target metrics and the early-stopping score.
    struct Evaluation {
        var loss = Double.nan
        var score = Double.nan
        var metrics: [String: Double] = [:]
        /// [targets][crystals] predictions in label units (P(class 1) for classification).
        var predictions: [[Double]] = []
    }

    /// Evaluates weights on `crystals` in evaluation mode, in batches of 512.
    func evaluate(_ crystals: [Int], parameters: Parameters<Float>, buffers: Parameters<Float>) -> Evaluation {
        guard !crystals.isEmpty else { return Evaluation() }
        var predictions = [[Double]](repeating: [], count: data.targets.count)
        var lossSum = 0.0
        for start in stride(from: 0, to: crystals.count, by: 512) {
            let members = Array(crystals[start..<min(crystals.count, start + 512)])
            var scratch = buffers
            let outputs = inputs.outputs(members, parameters, buffers: &scratch, training: false)
            if let loss = loss(outputs, crystals: members) { lossSum += Double(loss.scalar) * Double(members.count) }
            for (t, values) in TrainedModel.labelUnits(outputs, data.targets).enumerated() { predictions[t] += values }
        }
        var evaluation = Evaluation(loss: lossSum / Double(crystals.count), predictions: predictions)
        evaluation.metrics = TrainStage.metrics(predictions, crystals: crystals, data: data)
        var scores: [Double] = []
        for target in data.targets {
            if target.classification {
                if let auc = evaluation.metrics["auc:\(target.name)"], !auc.isNaN { scores.append(1 - auc) }
            } else if let mae = evaluation.metrics["mae:\(target.name)"], !mae.isNaN {
                scores.append(mae / target.std)
            }
        }
        evaluation.score = scores.isEmpty ? .nan : scores.reduce(0, +) / Double(scores.count)
        return evaluation
    }

    private func checkpoint(
        _ state: State, current: Parameters<Float>, buffers: Parameters<Float>, optimizer: Optimizer<Float>,
        best: (Parameters<Float>, Parameters<Float>)
    ) throws {
        let output = try AtomicStoreFile(creating: statePath)
        let root = try output.file.root
        try root.setEncoding("training_state", version: "1")
        try root.setAttribute("parameter_hash", parameterHash)
        try root.setAttribute("state", try CanonicalJSON.encode(state))
        try Checkpoint.save(current, buffers: buffers, optimizer: optimizer, to: root, name: "current")
        try Checkpoint.save(best.0, buffers: best.1, to: root, name: "best")
        try output.commit(Provenance(stage: "train", parameterHash: parameterHash, toolVersion: XtalVersion.current))
    }

    private func progressLine(_ state: State, evaluation: Evaluation) -> String {
        let h = state.history
        let e = state.epoch - 1
        var line = String(
            format: "member %d/%d epoch %d/%d: loss %.4f", member + 1, parameters.ensemble, state.epoch,
            parameters.epochs, h.trainLoss[e])
        if !evaluation.loss.isNaN { line += String(format: ", validation loss %.4f", evaluation.loss) }
        for target in data.targets {
            let key = (target.classification ? "auc:" : "mae:") + target.name
            if let value = evaluation.metrics[key] {
                line += String(format: ", %@ %@ %.4g", target.name, target.classification ? "AUC" : "MAE", value)
            }
        }
        line += String(format: ", lr %.3g, %.1f s", h.learningRate[e], h.seconds[e])
        if state.finished { line += " (early stop: best epoch \(state.bestEpoch + 1))" }
        return line
    }
}
