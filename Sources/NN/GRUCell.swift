import Tensor

/// A gated recurrent unit step, with PyTorch's `GRUCell` layout and gate order (r, z, n).
///
/// From Cho and others, 2014:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h′ = (1 − z) ⊙ n + z ⊙ h.
///
/// Parameters `<name>.weight_ih` [3H, in], `<name>.weight_hh` [3H, H], `<name>.bias_ih`, `<name>.bias_hh` [3H].
public struct GRUCell: Sendable {
    public let name: String
    public let inputs: Int
    public let hidden: Int

    public init(_ name: String, inputs: Int, hidden: Int) {
        self.name = name
        self.inputs = inputs
        self.hidden = hidden
    }

    /// Adds the weights, uniform in ±1/√hidden as PyTorch initialises them.
    public func initialize<S>(_ parameters: inout Parameters<S>, using generator: inout SeededGenerator) {
        let bound = S(1 / Double(hidden).squareRoot())
        parameters["\(name).weight_ih"] = .uniform([3 * hidden, inputs], bound: bound, using: &generator)
        parameters["\(name).weight_hh"] = .uniform([3 * hidden, hidden], bound: bound, using: &generator)
        parameters["\(name).bias_ih"] = .uniform([3 * hidden], bound: bound, using: &generator)
        parameters["\(name).bias_hh"] = .uniform([3 * hidden], bound: bound, using: &generator)
    }

    /// Adds the weights as Keras's `GRUCell` initialises them (the reference coNGN's): input weights Glorot-uniform
    /// over the three gates together, ±√(6 / (inputs + 3·hidden)); recurrent weights orthogonal (`Tensor.orthogonal`,
    /// orthonormal columns of the [3H, H] matrix, Keras's orthonormal rows of its transpose); biases zero.
    public func initializeAsKeras<S>(_ parameters: inout Parameters<S>, using generator: inout SeededGenerator) {
        let bound = S((6 / Double(inputs + 3 * hidden)).squareRoot())
        parameters["\(name).weight_ih"] = .uniform([3 * hidden, inputs], bound: bound, using: &generator)
        parameters["\(name).weight_hh"] = .orthogonal(rows: 3 * hidden, columns: hidden, using: &generator)
        parameters["\(name).bias_ih"] = Tensor(repeating: 0, shape: [3 * hidden])
        parameters["\(name).bias_hh"] = Tensor(repeating: 0, shape: [3 * hidden])
    }

    /// x [n, inputs], h [n, hidden] → h′ [n, hidden].
    public func callAsFunction<S>(_ x: Tensor<S>, _ h: Tensor<S>, _ parameters: Parameters<S>) -> Tensor<S> {
        precondition(
            x.rank == 2 && h.rank == 2 && x.shape[1] == inputs && h.shape[1] == hidden && x.shape[0] == h.shape[0],
            "GRUCell \(name): x \(x.shape), h \(h.shape), expects [n, \(inputs)] and [n, \(hidden)]")
        let gi = x.linear(weight: parameters["\(name).weight_ih"], bias: parameters["\(name).bias_ih"])
        let gh = h.linear(weight: parameters["\(name).weight_hh"], bias: parameters["\(name).bias_hh"])
        let i = gi.split([hidden, hidden, hidden], axis: 1)
        let g = gh.split([hidden, hidden, hidden], axis: 1)
        let r = (i[0] + g[0]).sigmoid()
        let z = (i[1] + g[1]).sigmoid()
        let n = (i[2] + r * g[2]).tanh()
        return (Tensor(1) - z) * n + z * h
    }
}
