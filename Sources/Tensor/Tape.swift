/// A record of the operations on tracked tensors, in the order they ran, for reverse-mode differentiation.
///
/// A tape belongs to one forward pass and one thread: create it, `track` the tensors to differentiate with
/// respect to, run the forward pass (every op on a tracked tensor records a node whose backward function
/// sits next to its forward code), then call `gradients(of:)`.
public final class Tape<S: TensorScalar>: @unchecked Sendable {
    /// One recorded operation: its inputs' node ids and how to turn the output's gradient into theirs.
    ///
    /// `backward` receives the output's gradient `inout`: the tape holds no other reference to it, so an op whose
    /// input gradient has the output's shape may take its storage (`Tensor.takeValues`) and write in place.
    struct Node {
        let inputs: [Int?]
        let backward: (inout Tensor<S>) -> [Tensor<S>?]
        let shape: [Int]
    }

    private(set) var nodes: [Node] = []

    public init() {}

    /// `tensor`, recorded as a leaf: gradients of later results with respect to it can be asked for.
    @_specialize(where S == Float)
    public func track(_ tensor: Tensor<S>) -> Tensor<S> {
        nodes.append(Node(inputs: [], backward: { _ in [] }, shape: tensor.shape))
        return Tensor(shape: tensor.shape, values: tensor.values, node: NodeReference(tape: self, id: nodes.count - 1))
    }

    /// Records an op: `output` was computed from `inputs`; `backward` maps the gradient of `output` to one
    /// gradient per input (nil where none flows), each of its input's shape.
    func record(
        _ output: (shape: [Int], values: [S]), inputs: [Tensor<S>],
        backward: @escaping (inout Tensor<S>) -> [Tensor<S>?]
    ) -> Tensor<S> {
        let ids = inputs.map { input -> Int? in
            guard let node = input.node, let tape = node.tape else { return nil }
            precondition(tape === self, "Tape.record: inputs recorded on different tapes")
            return node.id
        }
        nodes.append(Node(inputs: ids, backward: backward, shape: output.shape))
        return Tensor(shape: output.shape, values: output.values, node: NodeReference(tape: self, id: nodes.count - 1))
    }

    /// The gradients of `output` (a one-element tensor recorded on this tape) with respect to every tracked
    /// tensor it depends on, accumulated over every path.
    @_specialize(where S == Float)
    public func gradients(of output: Tensor<S>) -> Gradients<S> {
        precondition(output.count == 1, "Tape.gradients: output of shape \(output.shape) is not a scalar")
        return gradients(of: output, seed: Tensor(repeating: 1, shape: output.shape))
    }

    /// The gradients of Σ seed ⊙ output (a vector–Jacobian product, as PyTorch's `output.backward(seed)`):
    /// `seed` is the gradient arriving at `output`, of its shape.
    ///
    /// Gradients are kept for tracked tensors only: each op's output gradient is released once its backward has
    /// run, and a seed the caller hands over (not kept elsewhere) may become storage for an input's gradient.
    @_specialize(where S == Float)
    public func gradients(of output: Tensor<S>, seed: consuming Tensor<S>) -> Gradients<S> {
        guard let start = output.node, start.tape === self else {
            preconditionFailure("Tape.gradients: the output is not recorded on this tape")
        }
        precondition(seed.shape == output.shape, "Tape.gradients: seed \(seed.shape) for output \(output.shape)")
        var grads = [Tensor<S>?](repeating: nil, count: nodes.count)
        grads[start.id] = (consume seed).detached
        for id in stride(from: start.id, through: 0, by: -1) {
            let node = nodes[id]
            guard !node.inputs.isEmpty, var grad = grads[id] else { continue }
            grads[id] = nil
            let inputGrads = node.backward(&grad)
            for (input, inputGrad) in zip(node.inputs, inputGrads) {
                guard let input, let inputGrad else { continue }
                precondition(
                    inputGrad.shape == nodes[input].shape,
                    "Tape.gradients: gradient of shape \(inputGrad.shape) for an input of shape \(nodes[input].shape)")
                if var sum = grads[input] {
                    grads[input] = nil
                    sum.accumulate(inputGrad)
                    grads[input] = sum
                } else {
                    grads[input] = inputGrad
                }
            }
        }
        return Gradients(byNode: grads, tracked: nodes.map { $0.inputs.isEmpty })
    }
}

/// Gradients from `Tape.gradients(of:)`, looked up by the tracked tensor they belong to.
public struct Gradients<S: TensorScalar>: Sendable {
    let byNode: [Tensor<S>?]
    /// Whether each node is a tracked tensor (`Tape.track`), whose gradient is kept.
    let tracked: [Bool]

    /// The gradient with respect to `tensor` (zeros of its shape when the output does not depend on it).
    ///
    /// - Precondition: `tensor` is a tracked tensor or untracked; an op's result's gradient is not kept.
    public subscript(_ tensor: Tensor<S>) -> Tensor<S> {
        if let node = tensor.node, node.id < tracked.count {
            precondition(
                tracked[node.id], "Gradients: a \(tensor.shape) op result; only tracked tensors' gradients are kept")
        }
        guard let node = tensor.node, node.id < byNode.count, let grad = byNode[node.id] else {
            return Tensor(repeating: 0, shape: tensor.shape)
        }
        return grad
    }
}
