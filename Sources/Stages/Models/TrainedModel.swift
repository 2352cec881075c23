import Foundation
import Models
import NN
import Pipeline
import Store
import Tensor

/// A model trained by `xtal-train`, as saved in `models/<name>.h5` (docs/store-format.md §8): the network,
/// targets with their scaling, the atom-feature table, the graph parameters it was trained on, each ensemble
/// member's weights and history, and for NEGNN and head models the frozen encoder their inputs go through.
struct TrainedModel {
    struct Member {
        var parameters: Parameters<Float>
        var buffers: Parameters<Float>
        var history: TrainingHistory
    }

    var network: ModelNetwork
    var targets: [TargetSpec]
    var features: AtomFeatures
    /// `graphs.h5`'s `parameters` attribute when the model was trained.
    var graphParameters: String
    /// The training parameters, canonical JSON.
    var training: String
    var members: [Member]
    /// Store ids of the crystals in each part of the split.
    var split: (train: [String], validation: [String], test: [String])
    /// `mae:<target>`, `rmse:<target>`, `auc:<target>`… of the ensemble mean on the test set.
    var testMetrics: [String: Double] = [:]

    static let encoding = "model"

    /// Outputs of member `member` for each crystal of `batch`, per target, [targets][crystals].
    ///
    /// Label units for regression, P(class 1) for classification.
    func predict(member: Int, _ batch: GraphBatch) -> [[Double]] { predict(network.input(batch))[member] }

    /// Outputs of every member for the crystals of `input` (`network.input`, computed once for all members),
    /// [members][targets][crystals], in label units.
    func predict(_ input: ModelNetwork.Input) -> [[[Double]]] {
        members.map { member in
            var buffers = member.buffers
            return Self.labelUnits(
                network.outputs(input, member.parameters, buffers: &buffers, training: false), targets)
        }
    }

    /// Head outputs (one [crystals, outputs] tensor per target) in label units, [targets][crystals].
    ///
    /// Regression outputs are destandardised, classification log-probabilities turned into P(class 1).
    static func labelUnits(_ outputs: [Tensor<Float>], _ targets: [TargetSpec]) -> [[Double]] {
        zip(targets, outputs).map { target, out in
            if target.classification {
                let width = out.shape[1]
                return (0..<out.shape[0]).map { Foundation.exp(Double(out.values[$0 * width + 1])) }
            }
            return out.values.map { Double($0) * target.std + target.mean }
        }
    }

    /// Writes the model to `path` (atomically: `path.partial`, renamed when complete).
    func write(to path: String, provenance: Provenance, options: DatasetOptions) throws {
        let output = try AtomicStoreFile(creating: path)
        let root = try output.file.root
        try root.setEncoding(Self.encoding, version: "1")
        try root.setAttribute("architecture", network.architecture)
        switch network {
        case .cgcnn(let c): try root.setAttribute("configuration", try CanonicalJSON.encode(c))
        case .graphNetwork(let c): try root.setAttribute("configuration", try CanonicalJSON.encode(c))
        case .negnn(let c, let encoder, let layers):
            try root.setAttribute("configuration", try CanonicalJSON.encode(c))
            try root.setAttribute("encoder_layers", layers.map { Int64($0) })
            try encoder.write(to: try root.createGroup("encoder"), options: options)
        case .head(let c, let encoder, let layers):
            try root.setAttribute("configuration", try CanonicalJSON.encode(c))
            try root.setAttribute("encoder_layers", layers.map { Int64($0) })
            try encoder.write(to: try root.createGroup("encoder"), options: options)
        }
        try root.setAttribute("targets", try CanonicalJSON.encode(targets))
        try root.setAttribute("graph_parameters", graphParameters)
        try root.setAttribute("training", training)
        try root.setAttribute("members", Int64(members.count))
        try root.setAttribute("test_metrics", try CanonicalJSON.encode(testMetrics.mapValues(JSONNumber.init)))
        try features.write(to: root, options: options)
        let split = try root.createGroup("split")
        try split.write("train_id", strings: self.split.train, options: options)
        try split.write("validation_id", strings: self.split.validation, options: options)
        try split.write("test_id", strings: self.split.test, options: options)
        for (k, member) in members.enumerated() {
            let group = try root.createGroup("member_\(k)")
            try Checkpoint.save(member.parameters, buffers: member.buffers, to: group, options: options)
            try group.setAttribute("history", try CanonicalJSON.encode(member.history))
        }
        try output.commit(provenance)
    }

    /// Reads the model file at `path`.
    ///
    /// - Throws: `StoreError` when unreadable or not a model file; `CheckpointError` for weights that do not
    ///   fit the stored architecture.
    init(path: String) throws {
        let root = try StoreFile.open(path).root
        _ = try root.requireEncoding(Self.encoding, supported: ["1"])
        func decode<T: Decodable>(_ type: T.Type, _ attribute: String) throws -> T {
            let text = try root.stringAttribute(attribute)
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw StoreError.corrupt(file: path, object: attribute, reason: "not valid JSON for it: \(error)")
            }
        }
        switch try root.stringAttribute("architecture") {
        case "mt-cgcnn": network = .cgcnn(try decode(CGCNN.Configuration.self, "configuration"))
        case "cogn", "congn": network = .graphNetwork(try decode(CoGN.Configuration.self, "configuration"))
        case "negnn":
            network = .negnn(
                try decode(CGCNN.Configuration.self, "configuration"),
                encoder: try FrozenEncoder(group: root.group("encoder")),
                layers: try root.attributeArray("encoder_layers", as: Int64.self).map { Int($0) })
        case "head":
            network = .head(
                try decode(EmbeddingHead.Configuration.self, "configuration"),
                encoder: try FrozenEncoder(group: root.group("encoder")),
                layers: try root.attributeArray("encoder_layers", as: Int64.self).map { Int($0) })
        case let other:
            throw StoreError.corrupt(file: path, object: "architecture", reason: "unknown architecture '\(other)'")
        }
        targets = try decode([TargetSpec].self, "targets")
        graphParameters = try root.stringAttribute("graph_parameters")
        training = try root.stringAttribute("training")
        testMetrics = try decode([String: JSONNumber].self, "test_metrics").mapValues(\.value)
        features = try AtomFeatures(group: root)
        let splitGroup = try root.group("split")
        split = (
            try splitGroup.readStrings("train_id"), try splitGroup.readStrings("validation_id"),
            try splitGroup.readStrings("test_id")
        )
        let expected = network.initialize(seed: 0).parameters
        let count = Int(try root.attribute("members", as: Int64.self))
        members = try (0..<count).map { k in
            let group = try root.group("member_\(k)")
            var none: Optimizer<Float>? = nil
            let (parameters, buffers) = try Checkpoint.load(expected, from: group, optimizer: &none)
            let history = try JSONDecoder().decode(
                TrainingHistory.self, from: Data(try group.stringAttribute("history").utf8))
            return Member(parameters: parameters, buffers: buffers, history: history)
        }
    }

    init(
        network: ModelNetwork, targets: [TargetSpec], features: AtomFeatures, graphParameters: String,
        training: String, members: [Member], split: (train: [String], validation: [String], test: [String])
    ) {
        self.network = network
        self.targets = targets
        self.features = features
        self.graphParameters = graphParameters
        self.training = training
        self.members = members
        self.split = split
    }
}
