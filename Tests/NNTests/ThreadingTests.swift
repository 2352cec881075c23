import NN
import Tensor
import Testing

@Suite struct ThreadingTests {
    /// Three Adam steps of a message-passing model large enough that every parallel path splits its work
    /// (16,800 edges: weight gradients take the split-depth product), with CGCNN's fused kernels.
    func train(threads: Int) -> [Float] {
        Parallelism.$threads.withValue(threads) {
            var generator = SeededGenerator(seed: 21)
            let nodes = 2100
            let h = Tensor<Float>.uniform([nodes, 64], bound: 1, using: &generator)
            let src = (0..<(nodes * 8)).map { Int32(($0 * 7919) % nodes) }
            let dst = (0..<(nodes * 8)).map { Int32($0 / 8) }
            let offsets = (0...nodes).map { $0 * 8 }
            var parameters = Parameters<Float>()
            let message = MLP("message", widths: [128, 64, 64], activation: .silu)
            message.initialize(&parameters, using: &generator)
            let gate = Linear("gate", inputs: 64, outputs: 128)
            gate.initialize(&parameters, using: &generator)
            var buffers = Parameters<Float>()
            let norm = BatchNorm("norm", features: 128)
            norm.initialize(&parameters, buffers: &buffers)
            let target = Tensor<Float>.uniform([nodes, 64], bound: 1, using: &generator)
            var adam = Optimizer<Float>(
                .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0), learningRate: 1e-3)
            for _ in 0..<3 {
                let tape = Tape<Float>()
                let bound = parameters.tracked(on: tape)
                let pairs = Tensor.concat([h.gather(rows: dst), h.gather(rows: src)], axis: 1)
                let messages = message(pairs, bound)
                let projected = gate(h, bound)
                let gated = norm(
                    Tensor.gatheredSum(
                        projected, rows: dst, projected, rows: src,
                        plus: messages.matmul(
                            bound["gate.weight"].narrow(axis: 1, range: 0..<64), transposeOther: true)),
                    bound, buffers: &buffers, training: true
                ).sigmoidGatedSoftplus()
                let aggregated =
                    messages.scatterAdd(rows: dst, count: nodes) + messages.segmentMean(offsets: offsets)
                    + gated.segmentSum(offsets: offsets)
                let loss = Loss.mse(aggregated.softplus(), target)
                adam.update(&parameters, gradients: bound.gradients(tape.gradients(of: loss)))
            }
            return parameters.names.flatMap { parameters[$0].values }
        }
    }

    @Test func trainingIsBitIdenticalForOneTwoAndThreeThreads() {
        let one = train(threads: 1)
        #expect(one.count == 128 * 64 + 64 + 64 * 64 + 64 + 64 * 128 + 128 + 2 * 128)
        #expect(one == train(threads: 2))
        #expect(one == train(threads: 3))
    }
}
