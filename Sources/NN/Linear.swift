import Foundation
import Tensor

/// y = x Wᵀ + b: a fully connected layer, weight stored [out, in] as PyTorch's `nn.Linear` stores it.
public struct Linear: Sendable {
    /// The parameter name prefix (`<name>.weight`, `<name>.bias`).
    public let name: String
    public let inputs: Int
    public let outputs: Int
    public let bias: Bool

    public init(_ name: String, inputs: Int, outputs: Int, bias: Bool = true) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.bias = bias
    }

    /// Adds this layer's parameters, initialised as PyTorch does: uniform in ±1/√inputs.
    public func initialize<S>(_ parameters: inout Parameters<S>, using generator: inout SeededGenerator) {
        let bound = S(1 / Double(inputs).squareRoot())
        parameters["\(name).weight"] = .uniform([outputs, inputs], bound: bound, using: &generator)
        if bias { parameters["\(name).bias"] = .uniform([outputs], bound: bound, using: &generator) }
    }

    /// x [n, inputs] → [n, outputs].
    public func callAsFunction<S>(_ x: Tensor<S>, _ parameters: Parameters<S>) -> Tensor<S> {
        precondition(x.rank == 2 && x.shape[1] == inputs, "Linear \(name): input \(x.shape), expects [n, \(inputs)]")
        let weight = parameters["\(name).weight"]
        return bias
            ? x.linear(weight: weight, bias: parameters["\(name).bias"]) : x.matmul(weight, transposeOther: true)
    }
}

/// Linear layers with an activation between them (none after the last).
public struct MLP: Sendable {
    public enum Activation: String, Sendable, Codable { case relu, softplus, silu, tanh, sigmoid }

    public let layers: [Linear]
    public let activation: Activation

    /// Layers `<name>.0`, `<name>.1`, … through the given widths (first = input width).
    public init(_ name: String, widths: [Int], activation: Activation) {
        precondition(widths.count >= 2, "MLP \(name): widths \(widths)")
        layers = (0..<(widths.count - 1)).map { Linear("\(name).\($0)", inputs: widths[$0], outputs: widths[$0 + 1]) }
        self.activation = activation
    }

    public func initialize<S>(_ parameters: inout Parameters<S>, using generator: inout SeededGenerator) {
        for layer in layers { layer.initialize(&parameters, using: &generator) }
    }

    public func callAsFunction<S>(_ x: Tensor<S>, _ parameters: Parameters<S>) -> Tensor<S> {
        var h = x
        for (index, layer) in layers.enumerated() {
            h = layer(h, parameters)
            if index < layers.count - 1 { h = activate(h) }
        }
        return h
    }

    func activate<S>(_ x: Tensor<S>) -> Tensor<S> {
        switch activation {
        case .relu: x.relu()
        case .softplus: x.softplus()
        case .silu: x.silu()
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        }
    }
}
