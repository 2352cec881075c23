import Tensor

/// A model's parameters by stable dotted name (`convs.0.fc_full.weight`), in the order they were added.
///
/// Names are the contract with checkpoints and published weights: PyTorch state_dict keys map onto them
/// one to one.
public struct Parameters<S: TensorScalar>: Sendable {
    /// Names in insertion order.
    public private(set) var names: [String] = []
    private var tensors: [String: Tensor<S>] = [:]

    public init() {}

    /// The parameter `name`.
    ///
    /// - Precondition: it exists (a model asking for a parameter it never created is a programming error).
    public subscript(_ name: String) -> Tensor<S> {
        get {
            guard let tensor = tensors[name] else { preconditionFailure("Parameters: no parameter '\(name)'") }
            return tensor
        }
        set {
            if tensors[name] == nil { names.append(name) }
            tensors[name] = newValue
        }
    }

    /// Whether a parameter `name` exists.
    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// Total number of scalars.
    public var scalarCount: Int { names.reduce(0) { $0 + (tensors[$1]?.count ?? 0) } }

    /// Every parameter recorded on `tape`, for one forward and backward pass.
    public func tracked(on tape: Tape<S>) -> Parameters<S> {
        var bound = Parameters()
        for name in names { bound[name] = tape.track(self[name]) }
        return bound
    }

    /// The gradient of each parameter of `bound` (as made by `tracked(on:)`), by name.
    public func gradients(_ gradients: Gradients<S>) -> [String: Tensor<S>] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, gradients[self[$0]]) })
    }
}
