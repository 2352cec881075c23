import Foundation
import NN
import Store
import Tensor
import Testing
import _TensorTesting
import _TestSupport

@Suite struct LayerCatalogueTests {
    /// Binds `names` of `parameters` to the first inputs of a gradient check.
    func bind(_ names: [String], _ inputs: [Tensor<Double>]) -> Parameters<Double> {
        var bound = Parameters<Double>()
        for (name, tensor) in zip(names, inputs) { bound[name] = tensor }
        return bound
    }

    @Test func normalisationLayers() {
        var parameters = Parameters<Double>()
        var buffers = Parameters<Double>()
        let bn = BatchNorm("bn", features: 3)
        bn.initialize(&parameters, buffers: &buffers)
        parameters["bn.weight"] = random([3], in: 0.5...1.5, seed: 1)
        parameters["bn.bias"] = random([3], seed: 2)
        let x = random([5, 3], seed: 3)
        let names = parameters.names
        checkGradients(names.map { parameters[$0] } + [x], "batchnorm (training)") { inputs in
            var scratch = buffers
            return bn(inputs[2], bind(names, inputs), buffers: &scratch, training: true)
        }
        // Running statistics: momentum 0.1 towards the batch mean and unbiased variance.
        var running = buffers
        let y = bn(x, parameters, buffers: &running, training: true)
        let column0 = (0..<5).map { x.values[3 * $0] }
        let mean0 = column0.reduce(0, +) / 5
        let variance0 = column0.map { ($0 - mean0) * ($0 - mean0) }.reduce(0, +) / 4
        #expect(abs(running["bn.running_mean"].values[0] - 0.1 * mean0) < 1e-12)
        #expect(abs(running["bn.running_var"].values[0] - (0.9 + 0.1 * variance0)) < 1e-12)
        // Training output has per-column mean β.
        #expect(abs((0..<5).map { y.values[3 * $0] }.reduce(0, +) / 5 - parameters["bn.bias"].values[0]) < 1e-12)
        // Evaluation uses the running statistics and leaves them alone.
        let before = running
        let evaluated = bn(x, parameters, buffers: &running, training: false)
        #expect(running["bn.running_mean"].values == before["bn.running_mean"].values)
        let expected0 =
            (x.values[0] - running["bn.running_mean"].values[0])
            / (running["bn.running_var"].values[0] + 1e-5).squareRoot()
            * parameters["bn.weight"].values[0] + parameters["bn.bias"].values[0]
        #expect(abs(evaluated.values[0] - expected0) < 1e-12)

        var ln = Parameters<Double>()
        LayerNorm("ln", features: 4).initialize(&ln)
        ln["ln.weight"] = random([4], seed: 4)
        let lnNames = ln.names
        checkGradients(lnNames.map { ln[$0] } + [random([3, 4], seed: 5)], "layernorm") { inputs in
            LayerNorm("ln", features: 4)(inputs[2], bind(lnNames, inputs))
        }
    }

    @Test func recurrentAndLookupLayers() {
        var generator = SeededGenerator(seed: 7)
        var parameters = Parameters<Double>()
        let gru = GRUCell("gru", inputs: 3, hidden: 2)
        gru.initialize(&parameters, using: &generator)
        #expect(parameters["gru.weight_ih"].shape == [6, 3] && parameters["gru.weight_hh"].shape == [6, 2])
        let names = parameters.names
        checkGradients(names.map { parameters[$0] } + [random([4, 3], seed: 8), random([4, 2], seed: 9)], "gru") {
            gru($0[4], $0[5], bind(names, $0))
        }
        var table = Parameters<Double>()
        let embedding = Embedding("element", count: 5, width: 3)
        embedding.initialize(&table, using: &generator)
        let rows = embedding([4, 0, 4], table)
        #expect(rows.shape == [3, 3] && Array(rows.values[0..<3]) == Array(table["element.weight"].values[12..<15]))
    }

    @Test func kerasGRUInitialisationIsGlorotOrthogonalAndZero() {
        /// The largest |AᵀA − I| over the columns of `a` [rows, columns], in Double.
        func orthonormality(_ a: Tensor<Double>) -> Double {
            let (rows, columns) = (a.shape[0], a.shape[1])
            var worst = 0.0
            for i in 0..<columns {
                for j in 0..<columns {
                    let product = (0..<rows).reduce(0.0) {
                        $0 + a.values[$1 * columns + i] * a.values[$1 * columns + j]
                    }
                    worst = max(worst, abs(product - (i == j ? 1 : 0)))
                }
            }
            return worst
        }
        var generator = SeededGenerator(seed: 11)
        let tall = Tensor<Double>.orthogonal(rows: 12, columns: 4, using: &generator)
        #expect(orthonormality(tall) < 1e-12)
        let wide = Tensor<Double>.orthogonal(rows: 3, columns: 7, using: &generator)
        #expect(orthonormality(wide.transposed()) < 1e-12)
        var again = SeededGenerator(seed: 11)
        #expect(Tensor<Double>.orthogonal(rows: 12, columns: 4, using: &again).values == tall.values)

        var parameters = Parameters<Double>()
        GRUCell("gru", inputs: 5, hidden: 4).initializeAsKeras(&parameters, using: &generator)
        #expect(
            parameters["gru.bias_ih"].values.allSatisfy { $0 == 0 }
                && parameters["gru.bias_hh"].values == [Double](repeating: 0, count: 12))
        let bound = (6.0 / Double(5 + 12)).squareRoot()
        let input = parameters["gru.weight_ih"].values
        #expect(parameters["gru.weight_ih"].shape == [12, 5] && input.allSatisfy { abs($0) <= bound })
        #expect(input.map(abs).max()! > bound / 2)
        #expect(parameters["gru.weight_hh"].shape == [12, 4] && orthonormality(parameters["gru.weight_hh"]) < 1e-12)
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Tensor<Float>(repeating: 1, shape: [1000])
        let dropout = Dropout(probability: 0.25)
        var a = SeededGenerator(seed: 1)
        var b = SeededGenerator(seed: 1)
        let first = dropout(x, training: true, using: &a)
        #expect(first.values == dropout(x, training: true, using: &b).values)
        #expect(Set(first.values) == [0, Float(1 / 0.75)])
        let kept = first.values.filter { $0 != 0 }.count
        #expect((700...800).contains(kept))
        var c = SeededGenerator(seed: 1)
        #expect(dropout(x, training: false, using: &c).values == x.values)
    }

    @Test func contrastiveLosses() {
        let a = random([4, 3], seed: 10)
        let b = random([4, 3], seed: 11)
        checkGradients([a, b], "cosineEmbedding") {
            Loss.cosineEmbedding($0[0], $0[1], similar: [true, false, true, false], margin: -0.5)
        }
        checkGradients([a, b], "ntXent") { Loss.ntXent($0[0], $0[1], temperature: 0.5) }
        checkGradients([a, b], "graphCL") { Loss.graphCL($0[0], $0[1], temperature: 0.5) }
        // Identical views: cosine loss 0; NT-Xent lower than for unrelated views.
        #expect(abs(Loss.cosineEmbedding(a, a, similar: [true, true, true, true]).scalar) < 1e-12)
        #expect(Loss.ntXent(a, a, temperature: 0.1).scalar < Loss.ntXent(a, b, temperature: 0.1).scalar)
    }

    @Test func schedulesAndClipping() {
        #expect(Schedule.step(every: 10, gamma: 0.5).rate(epoch: 25, initial: 1) == 0.25)
        #expect(Schedule.cosine(epochs: 10, minimum: 0.1).rate(epoch: 0, initial: 1) == 1)
        #expect(abs(Schedule.cosine(epochs: 10, minimum: 0.1).rate(epoch: 5, initial: 1) - 0.55) < 1e-12)
        #expect(abs(Schedule.cosine(epochs: 10, minimum: 0.1).rate(epoch: 10, initial: 1) - 0.1) < 1e-12)
        #expect(abs(Schedule.polynomial(epochs: 4, power: 2, minimum: 0).rate(epoch: 2, initial: 1) - 0.25) < 1e-12)
        // Fractional epochs (the rate set every step): linear from 1 to 0 over 4 epochs is 0.625 at 1.5.
        #expect(abs(Schedule.polynomial(epochs: 4, power: 1, minimum: 0).rate(epoch: 1.5, initial: 1) - 0.625) < 1e-12)
        #expect(Schedule.step(every: 2, gamma: 0.5).rate(epoch: 3.9, initial: 1) == 0.5)
        var plateau = PlateauReducer(factor: 0.5, patience: 2)
        var rate = 1.0
        for metric in [1.0, 0.9, 0.95, 0.95, 0.95] { rate = plateau.step(metric: metric, rate: rate) }
        #expect(rate == 0.5)
        var grads: [String: Tensor<Double>] = [
            "a": Tensor(shape: [2], values: [3, 0]), "b": Tensor(shape: [1], values: [4]),
        ]
        #expect(clipGradients(&grads, maxNorm: 1) == 5)
        let norm = ((grads["a"]?.values ?? []) + (grads["b"]?.values ?? [])).map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test func checkpointRoundTripAndArchitectureMismatch() throws {
        var generator = SeededGenerator(seed: 12)
        var parameters = Parameters<Float>()
        var buffers = Parameters<Float>()
        let mlp = MLP("head", widths: [3, 4, 1], activation: .softplus)
        mlp.initialize(&parameters, using: &generator)
        BatchNorm("bn", features: 3).initialize(&parameters, buffers: &buffers)
        var adam = Optimizer<Float>(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: 0.01)
        let x = Tensor<Float>.uniform([5, 3], bound: 1, using: &generator)
        let tape = Tape<Float>()
        let bound = parameters.tracked(on: tape)
        let loss = Loss.mse(mlp(x, bound), Tensor(repeating: 0, shape: [5, 1]))
        adam.update(&parameters, gradients: bound.gradients(tape.gradients(of: loss)))

        let dir = try TemporaryDirectory()
        let path = dir.file("model.h5")
        do {
            let file = try StoreFile.create(path)
            try Checkpoint.save(parameters, buffers: buffers, optimizer: adam, to: file.root)
        }
        let file = try StoreFile.open(path)
        var restoredOptimizer: Optimizer<Float>? = Optimizer(
            .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: 1)
        let (loaded, loadedBuffers) = try Checkpoint.load(parameters, from: file.root, optimizer: &restoredOptimizer)
        #expect(mlp(x, loaded).values == mlp(x, parameters).values)
        #expect(loadedBuffers["bn.running_var"].values == buffers["bn.running_var"].values)
        #expect(restoredOptimizer?.state == adam.state && restoredOptimizer?.learningRate == 0.01)

        // Another architecture is refused with the parameter and shapes named.
        var wider = Parameters<Float>()
        MLP("head", widths: [3, 8, 1], activation: .softplus).initialize(&wider, using: &generator)
        BatchNorm("bn", features: 3).initialize(&wider, buffers: &buffers)
        var none: Optimizer<Float>? = nil
        #expect(
            throws: CheckpointError.shapeMismatch(
                parameter: "head.0.weight", expected: [8, 3], found: [4, 3], file: path)
        ) { try Checkpoint.load(wider, from: file.root, optimizer: &none) }
        var fewer = Parameters<Float>()
        MLP("head", widths: [3, 4, 1], activation: .softplus).initialize(&fewer, using: &generator)
        #expect(throws: CheckpointError.unexpected(parameter: "bn.bias", file: path)) {
            try Checkpoint.load(fewer, from: file.root, optimizer: &none)
        }
        #expect(
            CheckpointError.shapeMismatch(parameter: "w", expected: [2], found: [3], file: "m.h5").description
                == "m.h5: checkpoint parameter 'w' has shape [3], this model needs [2]")
    }
}
