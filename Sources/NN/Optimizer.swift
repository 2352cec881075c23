import Foundation
import Tensor

/// Gradient-descent optimisers with their per-parameter state, keyed by parameter name.
public struct Optimizer<S: TensorScalar>: Sendable {
    public enum Kind: Sendable, Equatable {
        /// v ← μv + g; θ ← θ − lr·v (PyTorch's SGD with momentum μ, no dampening).
        case sgd(momentum: S)
        /// Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient.
        case adam(beta1: S, beta2: S, epsilon: S, weightDecay: S)
        /// AdamW (Loshchilov & Hutter 2019): decay applied to the weights, not the gradient.
        case adamW(beta1: S, beta2: S, epsilon: S, weightDecay: S)
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
            let g = grad.values
            switch kind {
            case .sgd(let momentum):
                var v = first[name] ?? [S](repeating: 0, count: g.count)
                for i in g.indices {
                    v[i] = momentum * v[i] + g[i]
                    theta[i] -= learningRate * v[i]
                }
                first[name] = v
            case .adam(let b1, let b2, let eps, let decay), .adamW(let b1, let b2, let eps, let decay):
                let decoupled = if case .adamW = kind { true } else { false }
                var m = first[name] ?? [S](repeating: 0, count: g.count)
                var v = second[name] ?? [S](repeating: 0, count: g.count)
                let c1 = 1 - S(pow(Double(b1), Double(t)))
                let c2 = 1 - S(pow(Double(b2), Double(t)))
                for i in g.indices {
                    let gi = decoupled ? g[i] : g[i] + decay * theta[i]
                    if decoupled { theta[i] -= learningRate * decay * theta[i] }
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    theta[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                }
                first[name] = m
                second[name] = v
            }
            parameters[name] = Tensor(shape: parameters[name].shape, values: theta)
        }
    }
}
