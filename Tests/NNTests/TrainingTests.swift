import Foundation
import NN
import Tensor
import Testing

@Suite struct TrainingTests {
    /// Trains `model` on (x, y) for `steps` full-batch steps; returns the final loss and parameters.
    func train(
        _ parameters: Parameters<Float>, steps: Int, optimizer: Optimizer<Float>,
        loss: (Parameters<Float>) -> Tensor<Float>
    ) -> (loss: Float, parameters: Parameters<Float>) {
        var parameters = parameters
        var optimizer = optimizer
        var last: Float = .infinity
        for _ in 0..<steps {
            let tape = Tape<Float>()
            let bound = parameters.tracked(on: tape)
            let value = loss(bound)
            last = value.scalar
            optimizer.update(&parameters, gradients: bound.gradients(tape.gradients(of: value)))
        }
        return (last, parameters)
    }

    /// 64 points of y = sin(2 x₁) + ½ x₂² on [−1, 1]².
    static let data: (x: Tensor<Float>, y: Tensor<Float>) = {
        var generator = SeededGenerator(seed: 11)
        let x = Tensor<Float>.uniform([64, 2], bound: 1, using: &generator)
        let y = (0..<64).map { (i: Int) -> Float in
            let (a, b) = (x.values[2 * i], x.values[2 * i + 1])
            return sin(2 * a) + 0.5 * b * b
        }
        return (x, Tensor(shape: [64, 1], values: y))
    }()

    @Test func tinyMLPFitsAKnownFunction() {
        var generator = SeededGenerator(seed: 5)
        var parameters = Parameters<Float>()
        let mlp = MLP("mlp", widths: [2, 32, 32, 1], activation: .silu)
        mlp.initialize(&parameters, using: &generator)
        let start = Loss.mse(mlp(Self.data.x, parameters), Self.data.y).scalar
        let adam = Optimizer<Float>(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: 0.01)
        let (final, _) = train(parameters, steps: 600, optimizer: adam) { p in
            Loss.mse(mlp(Self.data.x, p), Self.data.y)
        }
        // Stated target: below 2e-3 (the function's variance is about 0.5), from a start above 0.1.
        #expect(start > 0.1)
        #expect(final < 2e-3, "final loss \(final)")
    }

    @Test func tinyMessagePassingModelFitsNeighbourSums() {
        // Target per node: Σ over incoming edges of (2·h_src − h_dst), i.e. a linear message function; the
        // model gathers [h_dst ‖ h_src], maps it with a Linear layer and sums messages per node (CSR).
        var generator = SeededGenerator(seed: 6)
        let nodes = 12
        let h = Tensor<Float>.uniform([nodes, 3], bound: 1, using: &generator)
        var src: [Int32] = []
        var dst: [Int32] = []
        var offsets = [0]
        for node in 0..<nodes {
            for k in 1...3 {
                dst.append(Int32(node))
                src.append(Int32((node * 5 + k * 7) % nodes))
            }
            offsets.append(dst.count)
        }
        var target = [Float](repeating: 0, count: nodes * 3)
        for e in dst.indices {
            let (s, d) = (Int(src[e]) * 3, Int(dst[e]) * 3)
            for j in 0..<3 { target[d + j] += 2 * h.values[s + j] - h.values[d + j] }
        }
        let y = Tensor(shape: [nodes, 3], values: target)
        let message = Linear("message", inputs: 6, outputs: 3)
        var parameters = Parameters<Float>()
        message.initialize(&parameters, using: &generator)
        func model(_ p: Parameters<Float>) -> Tensor<Float> {
            let pairs = Tensor.concat([h.gather(rows: dst), h.gather(rows: src)], axis: 1)
            return message(pairs, p).segmentSum(offsets: offsets)
        }
        let adam = Optimizer<Float>(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: 0.05)
        let (final, _) = train(parameters, steps: 400, optimizer: adam) { p in Loss.mse(model(p), y) }
        #expect(final < 1e-4, "final loss \(final)")
    }

    @Test func optimizerStepsMatchTheirDefinitions() {
        var parameters = Parameters<Double>()
        parameters["w"] = Tensor(shape: [2], values: [1, -2])
        let g = ["w": Tensor<Double>(shape: [2], values: [0.5, -1])]
        // SGD with momentum 0.9: v = g, then v = 0.9 g + g.
        var sgd = Optimizer<Double>(.sgd(momentum: 0.9), learningRate: 0.1)
        var p = parameters
        sgd.update(&p, gradients: g)
        sgd.update(&p, gradients: g)
        let expected: [Double] = [1 - 0.05 - 0.095, -2 + 0.1 + 0.19]
        #expect(zip(p["w"].values, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        // Adam's first step moves each weight by lr (bias correction makes m̂/√v̂ = sign(g)).
        var adam = Optimizer<Double>(.adam(beta1: 0.9, beta2: 0.999, epsilon: 0, weightDecay: 0), learningRate: 0.01)
        p = parameters
        adam.update(&p, gradients: g)
        #expect(abs(p["w"].values[0] - 0.99) < 1e-12 && abs(p["w"].values[1] + 1.99) < 1e-12)
        // AdamW decays the weights themselves: with a zero gradient only the decay acts.
        var adamW = Optimizer<Double>(
            .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1), learningRate: 0.01)
        p = parameters
        adamW.update(&p, gradients: ["w": Tensor(shape: [2], values: [0, 0])])
        let decayed: [Double] = [0.999, -1.998]
        #expect(zip(p["w"].values, decayed).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func adamEpsilonHatIsKerasForm() {
        // Kingma & Ba's ε̂ (TensorFlow/Keras): θ ← θ − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m/(√v + ε̂). On the first step with
        // g = 1 and ε̂ = 0.1 that moves θ by lr/(1 + ε̂/√(1 − β₂)) = lr/4.162…, where Algorithm 1's ε = 0.1 moves it
        // lr/1.1.
        let (b1, b2, lr, eps) = (0.9, 0.999, 0.01, 0.1)
        var parameters = Parameters<Double>()
        parameters["w"] = Tensor(shape: [1], values: [0])
        let one = ["w": Tensor<Double>(shape: [1], values: [1])]
        var hat = Optimizer<Double>(
            .adam(beta1: b1, beta2: b2, epsilon: eps, weightDecay: 0, epsilonHat: true), learningRate: lr)
        var p = parameters
        hat.update(&p, gradients: one)
        #expect(abs(p["w"].values[0] + lr / (1 + eps / (1 - b2).squareRoot())) < 1e-15)
        var plain = Optimizer<Double>(.adam(beta1: b1, beta2: b2, epsilon: eps, weightDecay: 0), learningRate: lr)
        p = parameters
        plain.update(&p, gradients: one)
        #expect(abs(p["w"].values[0] + lr / (1 + eps)) < 1e-15)
        // Five steps of changing gradients against the formula written out, for adam and adamw alike.
        let gradients: [Double] = [0.3, -1.2, 0.05, 2.0, -0.4]
        var (theta, m, v) = (0.5, 0.0, 0.0)
        for (t, g) in zip(1..., gradients) {
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            let step = lr * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
            theta -= step * m / (v.squareRoot() + eps)
        }
        for kind in [
            Optimizer<Double>.Kind.adam(beta1: b1, beta2: b2, epsilon: eps, weightDecay: 0, epsilonHat: true),
            .adamW(beta1: b1, beta2: b2, epsilon: eps, weightDecay: 0, epsilonHat: true),
        ] {
            var optimizer = Optimizer<Double>(kind, learningRate: lr)
            p["w"] = Tensor(shape: [1], values: [0.5])
            for g in gradients { optimizer.update(&p, gradients: ["w": Tensor(shape: [1], values: [g])]) }
            #expect(abs(p["w"].values[0] - theta) < 1e-14, "\(kind)")
        }
    }

    @Test func sameSeedSameTrainingBitForBit() {
        func run() -> [Float] {
            var generator = SeededGenerator(seed: 9)
            var parameters = Parameters<Float>()
            let mlp = MLP("mlp", widths: [2, 8, 1], activation: .tanh)
            mlp.initialize(&parameters, using: &generator)
            let sgd = Optimizer<Float>(.sgd(momentum: 0.9), learningRate: 0.05)
            let (_, trained) = train(parameters, steps: 50, optimizer: sgd) { p in
                Loss.mse(mlp(Self.data.x, p), Self.data.y)
            }
            return trained.names.flatMap { trained[$0].values }
        }
        #expect(run() == run())
    }
}
