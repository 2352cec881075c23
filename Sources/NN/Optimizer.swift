import Foundation
import Tensor

/// Gradient-descent optimisers with their per-parameter state, keyed by parameter name.
public struct Optimizer<S: TensorScalar>: Sendable {
    public enum Kind: Sendable, Equatable {
        /// v ← μv + g; θ ← θ − lr·v (PyTorch's SGD with momentum μ, no dampening).
        case sgd(momentum: S)
        /// Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient.
        ///
        /// `epsilonHat` false: ε as in the paper's Algorithm 1, added to √v̂ (PyTorch). True: ε is the paper's ε̂
        /// (the form just before its §2.1), added to the uncorrected √v with the bias corrections folded into the
        /// step size (TensorFlow/Keras, so kgcnn); the same as Algorithm 1 with ε = ε̂/√(1 − β₂ᵗ).
        case adam(beta1: S, beta2: S, epsilon: S, weightDecay: S, epsilonHat: Bool = false)
        /// AdamW (Loshchilov & Hutter 2019): decay applied to the weights, not the gradient; ε as for `adam`.
        case adamW(beta1: S, beta2: S, epsilon: S, weightDecay: S, epsilonHat: Bool = false)
    }

    public let kind: Kind
    /// The learning rate; schedules set it between steps.
    public var learningRate: S
    /// Steps taken.
    public private(set) var step = 0
    /// Steps that updated each parameter: Adam's bias correction counts a parameter's own updates, as PyTorch
    /// does, so a parameter frozen for a while (`xtal-train --freeze-encoder`) starts fresh when released.
    private var steps: [String: Int] = [:]
    private var first: [String: [S]] = [:]
    private var second: [String: [S]] = [:]

    /// What a checkpoint keeps of an optimiser: its step counts and moments by parameter name.
    public struct State: Sendable, Equatable {
        public var step: Int
        /// Each parameter's own update count (absent: `step`, as checkpoints written before it kept only that).
        public var steps: [String: Int]
        public var first: [String: [S]]
        public var second: [String: [S]]

        public init(step: Int, steps: [String: Int] = [:], first: [String: [S]], second: [String: [S]]) {
            self.step = step
            self.steps = steps
            self.first = first
            self.second = second
        }
    }

    /// The step counts and moments.
    public var state: State { State(step: step, steps: steps, first: first, second: second) }

    /// Continues from a saved `state` at `learningRate`.
    public mutating func restore(_ state: State, learningRate: S) {
        step = state.step
        steps = state.steps
        for name in state.first.keys where steps[name] == nil { steps[name] = state.step }
        first = state.first
        second = state.second
        self.learningRate = learningRate
    }

    public init(_ kind: Kind, learningRate: S) {
        self.kind = kind
        self.learningRate = learningRate
    }

    /// Updates `parameters` in place from `gradients` (by name; parameters without one are left alone).
    @_specialize(where S == Float)
    public mutating func update(_ parameters: inout Parameters<S>, gradients: [String: Tensor<S>]) {
        step += 1
        for name in parameters.names {
            guard let grad = gradients[name] else { continue }
            let t = (steps[name] ?? 0) + 1
            steps[name] = t
            var theta = parameters[name].values
            precondition(grad.count == theta.count, "Optimizer: gradient \(grad.shape) for \(name)")
            // The moments leave their dictionaries while they are updated, so that writing them copies nothing,
            // and the loops run over buffers, without bounds checks (the same operations per element as ever).
            let zeros = { [S](repeating: 0, count: grad.count) }
            switch kind {
            case .sgd(let momentum):
                var v = first.removeValue(forKey: name) ?? zeros()
                Self.sgd(
                    theta: &theta, velocity: &v, gradient: grad.values, momentum: momentum, learningRate: learningRate)
                first[name] = v
            case .adam(let b1, let b2, let eps, let decay, let hat),
                .adamW(let b1, let b2, let eps, let decay, let hat):
                var m = first.removeValue(forKey: name) ?? zeros()
                var v = second.removeValue(forKey: name) ?? zeros()
                let decoupled = if case .adamW = kind { true } else { false }
                let moments = AdamMoments(beta1: b1, beta2: b2, epsilon: eps, epsilonHat: hat, step: t)
                moments.update(
                    theta: &theta, first: &m, second: &v, gradient: grad.values, learningRate: learningRate,
                    weightDecay: decay, decoupled: decoupled)
                first[name] = m
                second[name] = v
            }
            parameters[name] = Tensor(shape: parameters[name].shape, values: theta)
        }
    }

    /// v ← μv + g; θ ← θ − lr·v, element by element.
    private static func sgd(theta: inout [S], velocity: inout [S], gradient: [S], momentum: S, learningRate: S) {
        theta.withUnsafeMutableBufferPointer { theta in
            velocity.withUnsafeMutableBufferPointer { v in
                gradient.withUnsafeBufferPointer { g in
                    for i in 0..<g.count {
                        v[i] = momentum * v[i] + g[i]
                        theta[i] -= learningRate * v[i]
                    }
                }
            }
        }
    }

    /// One Adam step's constants: the decay rates, ε, its form, and the bias corrections 1 − βᵗ of the parameter's
    /// step t.
    private struct AdamMoments {
        let beta1: S, beta2: S, epsilon: S, epsilonHat: Bool, correction1: S, correction2: S

        init(beta1: S, beta2: S, epsilon: S, epsilonHat: Bool, step t: Int) {
            (self.beta1, self.beta2, self.epsilon, self.epsilonHat) = (beta1, beta2, epsilon, epsilonHat)
            correction1 = 1 - S(pow(Double(beta1), Double(t)))
            correction2 = 1 - S(pow(Double(beta2), Double(t)))
        }

        /// m ← β₁m + (1 − β₁)g′, v ← β₂v + (1 − β₂)g′², then θ ← θ − lr·m̂/(√v̂ + ε), or with `epsilonHat`
        /// θ ← θ − lr·(√(1 − β₂ᵗ)/(1 − β₁ᵗ))·m/(√v + ε̂); g′ = g + λθ (Adam's L2 decay) or g′ = g and θ ← θ − lr·λ·θ
        /// first (AdamW, `decoupled`).
        func update(
            theta: inout [S], first: inout [S], second: inout [S], gradient: [S], learningRate lr: S, weightDecay: S,
            decoupled: Bool
        ) {
            let (b1, b2, eps, c1, c2) = (beta1, beta2, epsilon, correction1, correction2)
            let hat = epsilonHat
            let hatStep = lr * c2.squareRoot() / c1
            theta.withUnsafeMutableBufferPointer { theta in
                first.withUnsafeMutableBufferPointer { m in
                    second.withUnsafeMutableBufferPointer { v in
                        gradient.withUnsafeBufferPointer { g in
                            // One loop for every form; `decoupled` and `hat` are well-predicted branches per element.
                            for i in 0..<g.count {
                                let gi = decoupled ? g[i] : g[i] + weightDecay * theta[i]
                                if decoupled { theta[i] -= lr * weightDecay * theta[i] }
                                m[i] = b1 * m[i] + (1 - b1) * gi
                                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                if hat {
                                    theta[i] -= hatStep * m[i] / (v[i].squareRoot() + eps)
                                } else {
                                    theta[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
