import Store
import Tensor

/// Saving and loading a model's parameters, buffers and optimiser state to an HDF5 group through `Store`.
///
/// Layout (encoding `checkpoint` v1): `parameters/<dotted name>` and `buffers/<dotted name>` float32 datasets
/// of the tensor's shape; `optimizer/` with attribute `step` and `learning_rate` and datasets
/// `first/<name>`, `second/<name>` for the moments it keeps, each `first/<name>` with an int64 attribute `step`,
/// that parameter's own update count (Adam's bias correction).
public enum Checkpoint {
    /// Writes `parameters`, `buffers` and `optimizer` into a new group `name` of `group`.
    public static func save(
        _ parameters: Parameters<Float>, buffers: Parameters<Float> = Parameters(), optimizer: Optimizer<Float>? = nil,
        to group: StoreGroup, name: String = "checkpoint", options: DatasetOptions = DatasetOptions()
    ) throws {
        let root = try group.createGroup(name)
        try root.setEncoding("checkpoint", version: "1")
        for (groupName, set) in [("parameters", parameters), ("buffers", buffers)] {
            let target = try root.createGroup(groupName)
            for name in set.names { try write(set[name], as: name, in: target, options: options) }
        }
        guard let optimizer else { return }
        let target = try root.createGroup("optimizer")
        try target.setAttribute("step", Int64(optimizer.step))
        try target.setAttribute("learning_rate", Double(optimizer.learningRate))
        let state = optimizer.state
        for (groupName, moments) in [("first", state.first), ("second", state.second)] {
            let momentGroup = try target.createGroup(groupName)
            for name in moments.keys.sorted() {
                try momentGroup.write(name, NDArray(shape: [moments[name]?.count ?? 0], values: moments[name] ?? []))
                if groupName == "first", let step = state.steps[name] {
                    try momentGroup.dataset(name).setAttribute("step", Int64(step))
                }
            }
        }
    }

    /// Reads the checkpoint `name` of `group` into parameters shaped as `expected` (every name and shape must
    /// match, so a checkpoint of another architecture is refused), plus its buffers and optimiser state.
    ///
    /// - Throws: `CheckpointError` naming the first parameter that is missing, unexpected or of another shape;
    ///   `StoreError` when the file cannot be read.
    public static func load(
        _ expected: Parameters<Float>, from group: StoreGroup, name: String = "checkpoint",
        optimizer: inout Optimizer<Float>?
    ) throws -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        let root = try group.group(name)
        _ = try root.requireEncoding("checkpoint", supported: ["1"])
        let stored = try root.group("parameters")
        let names = Set(try stored.childNames())
        if let extra = names.subtracting(expected.names).sorted().first {
            throw CheckpointError.unexpected(parameter: extra, file: group.file.path)
        }
        var parameters = Parameters<Float>()
        for name in expected.names {
            guard names.contains(name) else { throw CheckpointError.missing(parameter: name, file: group.file.path) }
            let array = try stored.read(name, as: Float.self)
            guard array.shape == expected[name].shape else {
                throw CheckpointError.shapeMismatch(
                    parameter: name, expected: expected[name].shape, found: array.shape, file: group.file.path)
            }
            parameters[name] = Tensor(shape: array.shape, values: array.values)
        }
        var buffers = Parameters<Float>()
        let storedBuffers = try root.group("buffers")
        for name in try storedBuffers.childNames() {
            let array = try storedBuffers.read(name, as: Float.self)
            buffers[name] = Tensor(shape: array.shape, values: array.values)
        }
        if optimizer != nil, try root.childNames().contains("optimizer") {
            let state = try root.group("optimizer")
            func moments(_ groupName: String) throws -> [String: [Float]] {
                let moments = try state.group(groupName)
                var all: [String: [Float]] = [:]
                for name in try moments.childNames() { all[name] = try moments.read(name, as: Float.self).values }
                return all
            }
            let first = try moments("first")
            var steps: [String: Int] = [:]
            let firstGroup = try state.group("first")
            for name in first.keys {
                let dataset = try firstGroup.dataset(name)
                if try dataset.attributeNames().contains("step") {
                    steps[name] = Int(try dataset.attribute("step", as: Int64.self))
                }
            }
            let restored = Optimizer<Float>.State(
                step: Int(try state.attribute("step", as: Int64.self)), steps: steps, first: first,
                second: try moments("second"))
            optimizer?.restore(restored, learningRate: Float(try state.attribute("learning_rate", as: Double.self)))
        }
        return (parameters, buffers)
    }

    private static func write(_ tensor: Tensor<Float>, as name: String, in group: StoreGroup, options: DatasetOptions)
        throws
    {
        try group.write(name, NDArray(shape: tensor.shape, values: tensor.values), options: options)
    }
}

/// Why a checkpoint could not be loaded into a model; one line each, naming the parameter and shapes.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    case missing(parameter: String, file: String)
    case unexpected(parameter: String, file: String)
    case shapeMismatch(parameter: String, expected: [Int], found: [Int], file: String)

    public var description: String {
        switch self {
        case .missing(let parameter, let file):
            "\(file): checkpoint has no parameter '\(parameter)' that this model needs (another architecture?)"
        case .unexpected(let parameter, let file):
            "\(file): checkpoint parameter '\(parameter)' is not part of this model (another architecture?)"
        case .shapeMismatch(let parameter, let expected, let found, let file):
            "\(file): checkpoint parameter '\(parameter)' has shape \(found), this model needs \(expected)"
        }
    }
}
