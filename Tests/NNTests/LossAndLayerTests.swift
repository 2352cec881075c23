import Foundation
import NN
import Tensor
import Testing
import _TensorTesting

@Suite struct LossTests {
    @Test func lossGradientsAgreeWithFiniteDifferences() {
        let p = random([4, 3], seed: 1)
        let t = random([4, 3], seed: 2)
        checkGradients([p, t], "mse") { Loss.mse($0[0], $0[1]) }
        checkGradients([p, t], "l1") { Loss.l1($0[0], $0[1]) }
        checkGradients([p, t], "huber") { Loss.huber($0[0], $0[1], delta: 0.7) }
        checkGradients([p], "crossEntropy") { Loss.crossEntropy($0[0], classes: [2, 0, 1, 2]) }
        let labels = Tensor<Double>(shape: [4, 3], values: (0..<12).map { Double($0 % 2) })
        checkGradients([p], "bceWithLogits") { Loss.bceWithLogits($0[0], labels) }
        var withGaps = t.values
        withGaps[1] = .nan
        withGaps[4] = .nan
        withGaps[7] = .nan
        withGaps[10] = .nan  // task 1 has no label at all in this batch
        let gappy = Tensor(shape: [4, 3], values: withGaps)
        checkGradients([p], "maskedMSE") { Loss.maskedMSE($0[0], gappy, weights: [1, 2, 0.5]) }
    }

    @Test func lossValues() {
        let p = Tensor<Double>(shape: [2, 2], values: [1, 2, 3, 4])
        let t = Tensor<Double>(shape: [2, 2], values: [1, 0, 5, 4])
        #expect(Loss.mse(p, t).scalar == 2)  // (0 + 4 + 4 + 0) / 4
        #expect(Loss.l1(p, t).scalar == 1)
        #expect(Loss.huber(p, t, delta: 1).scalar == 0.75)  // (0 + 1.5 + 1.5 + 0) / 4
        // Missing labels are skipped, not counted as zero: task 0 sees only crystal 0 (error 0), task 1 only
        // crystal 1 (error 0) → loss 0.
        let gappy = Tensor<Double>(shape: [2, 2], values: [1, .nan, .nan, 4])
        #expect(Loss.maskedMSE(p, gappy).scalar == 0)
        #expect(Loss.maskedMSE(p, gappy).values.allSatisfy { !$0.isNaN })
        // Uniform logits over 4 classes: cross-entropy log 4.
        let uniform = Tensor<Double>(repeating: 0.3, shape: [3, 4])
        #expect(abs(Loss.crossEntropy(uniform, classes: [0, 3, 1]).scalar - log(4)) < 1e-12)
        #expect(
            abs(
                Loss.bceWithLogits(Tensor<Double>(shape: [1], values: [0]), Tensor(shape: [1], values: [1])).scalar
                    - log(2)) < 1e-12)
        #expect(
            Loss.bceWithLogits(Tensor<Float>(shape: [2], values: [200, -200]), Tensor(shape: [2], values: [1, 0]))
                .scalar == 0)
    }
}

@Suite struct LayerTests {
    @Test func linearAndMLPGradientsThroughParameters() {
        var generator = SeededGenerator(seed: 3)
        var parameters = Parameters<Double>()
        let mlp = MLP("head", widths: [3, 5, 2], activation: .softplus)
        mlp.initialize(&parameters, using: &generator)
        #expect(parameters.names == ["head.0.weight", "head.0.bias", "head.1.weight", "head.1.bias"])
        #expect(parameters["head.0.weight"].shape == [5, 3] && parameters.scalarCount == 15 + 5 + 10 + 2)
        let x = random([4, 3], seed: 4)
        let names = parameters.names
        checkGradients(names.map { parameters[$0] } + [x], "mlp") { inputs in
            var bound = Parameters<Double>()
            for (name, tensor) in zip(names, inputs) { bound[name] = tensor }
            return mlp(inputs[names.count], bound)
        }
    }
}

/// Expects the tape's gradients of `f` to agree with finite differences (`gradientCheckFailures`).
func checkGradients(
    _ inputs: [Tensor<Double>], _ name: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor<Double>]) -> Tensor<Double>
) {
    let failures = gradientCheckFailures(inputs, name, f)
    #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))", sourceLocation: sourceLocation)
}

@Suite struct OptimizerStepTests {
    /// Adam's bias correction counts each parameter's own updates, as PyTorch's per-parameter `step`: a
    /// parameter released after 5 frozen steps moves exactly as a fresh optimiser's first step moves it.
    @Test func adamCountsEachParametersOwnSteps() {
        let kind = Optimizer<Double>.Kind.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0)
        var parameters = Parameters<Double>()
        parameters["a"] = Tensor(shape: [2], values: [1, 2])
        parameters["b"] = Tensor(shape: [2], values: [3, 4])
        let gradient = Tensor<Double>(shape: [2], values: [0.5, -0.25])
        var adam = Optimizer<Double>(kind, learningRate: 0.1)
        for _ in 0..<5 { adam.update(&parameters, gradients: ["a": gradient]) }
        #expect(parameters["b"].values == [3, 4])
        adam.update(&parameters, gradients: ["a": gradient, "b": gradient])
        var fresh = Optimizer<Double>(kind, learningRate: 0.1)
        var alone = Parameters<Double>()
        alone["b"] = Tensor(shape: [2], values: [3, 4])
        fresh.update(&alone, gradients: ["b": gradient])
        #expect(parameters["b"].values == alone["b"].values)
        // The first Adam step moves every coordinate by the learning rate.
        #expect(zip(alone["b"].values, [3.0, 4.0]).allSatisfy { abs(abs($0 - $1) - 0.1) < 1e-6 })
        #expect(adam.state.steps == ["a": 6, "b": 1] && adam.step == 6)
    }
}
