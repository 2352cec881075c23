import Foundation
import NN
import Store
import Tensor

/// One of the eight published CGCNN models (`txie-93/cgcnn` pre-trained checkpoints exported to HDF5: one
/// float32 dataset per PyTorch `state_dict` entry, hyper-parameters and the target normaliser in attributes).
public struct PublishedCGCNN: Sendable {
    public let property: String
    public let model: CGCNN
    public let parameters: Parameters<Float>
    public let buffers: Parameters<Float>
    /// Regression outputs are denormalised as y = out · std + mean.
    public let normalizer: (mean: Double, std: Double)

    /// Reads the checkpoint at `path`.
    ///
    /// - Throws: `StoreError` when the file cannot be read or lacks a dataset or attribute the model needs.
    public init(path: String) throws {
        let root = try StoreFile.open(path).root
        var configuration = CGCNN.Configuration()
        configuration.atomFeatures = Int(try root.attribute("orig_atom_fea_len", as: Int64.self))
        configuration.width = Int(try root.attribute("atom_fea_len", as: Int64.self))
        configuration.convolutions = Int(try root.attribute("n_conv", as: Int64.self))
        configuration.hidden = Int(try root.attribute("h_fea_len", as: Int64.self))
        configuration.headLayers = Int(try root.attribute("n_h", as: Int64.self))
        configuration.basis = GaussianBasis(
            minimum: try root.attribute("dmin", as: Double.self),
            maximum: try root.attribute("radius", as: Double.self),
            step: try root.attribute("step", as: Double.self),
            width: try root.attribute("gaussian_var", as: Double.self))
        var parameters = Parameters<Float>()
        var buffers = Parameters<Float>()
        for name in try root.childNames().sorted() where !name.hasSuffix("num_batches_tracked") {
            let array = try root.read(name, as: Float.self)
            let tensor = Tensor(shape: array.shape, values: array.values)
            if name.hasSuffix("running_mean") || name.hasSuffix("running_var") {
                buffers[name] = tensor
            } else {
                parameters[name] = tensor
            }
        }
        configuration.heads = [
            CGCNN.Head(
                outputs: parameters["fc_out.weight"].shape[0],
                classification: try root.stringAttribute("task") == "classification")
        ]
        property = (try? root.stringAttribute("property")) ?? ""
        model = CGCNN(configuration)
        self.parameters = parameters
        self.buffers = buffers
        normalizer = (
            try root.attribute("normalizer_mean", as: Double.self),
            try root.attribute("normalizer_std", as: Double.self)
        )
    }

    /// Whether the model classifies (its output is P(class 1)).
    public var isClassifier: Bool { model.configuration.heads[0].classification }

    /// Predictions per crystal of `batch`: denormalised values for regression, P(class 1) (metal, for the
    /// published classifier) for classification.
    public func predict(_ batch: GraphBatch) -> [Double] {
        var scratch = buffers
        let out = model(batch, parameters, buffers: &scratch, training: false)[0]
        if isClassifier {
            let width = out.shape[1]
            return (0..<out.shape[0]).map { Foundation.exp(Double(out.values[$0 * width + 1])) }
        }
        return out.values.map { Double($0) * normalizer.std + normalizer.mean }
    }
}
