import Foundation
import Models
import NN

/// Everything `xtal-train` was asked to do, stored with the model (canonical JSON) and hashed for `--resume`.
struct TrainParameters: Sendable, Hashable, Codable {
    static let version = 1

    /// The architecture: `mt-cgcnn`, `negnn` (a CGCNN on a frozen encoder's atom embeddings), `head` (a small
    /// network on a frozen encoder's crystal embeddings), `cogn` or `congn`.
    var model = "mt-cgcnn"
    /// The model's name: it is saved as `models/<name>.h5`.
    var name = "mt-cgcnn"
    /// Label names (in `crystals.h5` `labels/`), one head each.
    var targets: [String] = []
    /// Targets trained as classifiers, by name: class 1 when label ≥ threshold (nil: the label is 0/1).
    var classify: [String: Double?] = [:]
    /// Task weights w_t in Σ_t w_t L_t / T, by name (1 when absent).
    var taskWeights: [String: Double] = [:]
    /// Regression loss on standardised targets: mse, l1 or huber.
    var loss = "mse"
    var split = DataSplit.Kind.random(train: 0.8, validation: 0.1, test: 0.1)
    /// With a MatBench split, the fraction of the fold's training crystals held out for validation.
    var validationFraction = 0.1
    var optimizer = "adam"
    var learningRate = 0.001
    var momentum = 0.9
    var weightDecay = 0.0
    /// adam, adamw: ε̂ of the TensorFlow/Keras form (`Optimizer.Kind.adam`); nil for ε = 1e-8 in PyTorch's form (and
    /// then not encoded, so the parameter hashes of older runs stay the same).
    var adamEpsilonHat: Double? = nil
    var schedule = ScheduleSpec.constant
    /// true: a fixed schedule's rate is set before every optimiser step, at the fractional epoch step · batch size /
    /// training crystals (Keras); nil: once per epoch (and then not encoded, so earlier runs' hashes stay the same).
    var scheduleEveryStep: Bool? = nil
    var epochs = 30
    var batchSize = 256
    /// Epochs without a better validation score before stopping (0: never stop early).
    var patience = 0
    /// Gradient clipping by global norm (0: none).
    var clipNorm = 0.0
    var seed: UInt64 = 0
    var ensemble = 1
    var architecture = CGCNN.Configuration()
    /// cogn and congn: the network (nil for the other models).
    var graphNetwork: CoGN.Configuration? = nil
    /// The encoder named by `--init` (`models/<name>.h5`).
    ///
    /// mt-cgcnn: a pretrained encoder of `xtal-pretrain` whose weights start the encoder (nil: random). negnn and
    /// head: the frozen encoder the inputs go through (required).
    var initEncoder: String? = nil
    /// negnn and head: the frozen encoder's layers read, concatenated.
    ///
    /// 0 is its embedding, l its atom features after convolution l. The default 0,1 (element and first neighbour
    /// shell) is the reference code's (`--lth_emb 01`).
    var encoderLayers = [0, 1]
    /// head: `mlp` (trained like the other models) or `ridge` (closed form, one member).
    var head = "mlp"
    /// head mlp: hidden width.
    var headHidden = 64
    /// head ridge: the penalty per training crystal, λ = α·n (nil: chosen on the validation set).
    var ridgeAlpha: Double? = nil
    /// Epochs during which the initialised encoder is not updated (only the heads learn); 0: never frozen.
    var freezeEncoderEpochs = 0
    /// Parts each mini-batch is cut into for data-parallel training (`DataParallelStep`), at least 2; nil for
    /// undivided batches (1 part, and then not encoded, so the parameter hashes of older runs stay the same).
    var parts: Int? = nil

    /// Whether target `name` is a classification target.
    func isClassification(_ name: String) -> Bool { classify.keys.contains(name) }
}

/// A learning-rate schedule as given on the command line: `constant`, `step:EVERY:GAMMA`, `cosine[:MIN]`,
/// `polynomial:POWER[:MIN]` (over `--epochs`), or `plateau:FACTOR:PATIENCE` (on the validation score).
enum ScheduleSpec: Sendable, Hashable, Codable {
    case fixed(Schedule)
    case plateau(factor: Double, patience: Int)

    static let constant = ScheduleSpec.fixed(.constant)

    /// Parses `text` for a run of `epochs`; nil when it is not one of the forms above.
    init?(parsing text: String, epochs: Int) {
        let parts = text.split(separator: ":").map(String.init)
        let numbers = parts.dropFirst().compactMap(Double.init)
        guard numbers.count == parts.count - 1 else { return nil }
        switch (parts[0], numbers.count) {
        case ("constant", 0): self = .constant
        case ("step", 2) where numbers[0] >= 1: self = .fixed(.step(every: Int(numbers[0]), gamma: numbers[1]))
        case ("cosine", 0), ("cosine", 1): self = .fixed(.cosine(epochs: epochs, minimum: numbers.first ?? 0))
        case ("polynomial", 1), ("polynomial", 2):
            self = .fixed(.polynomial(epochs: epochs, power: numbers[0], minimum: numbers.count > 1 ? numbers[1] : 0))
        case ("plateau", 2) where numbers[0] > 0 && numbers[0] < 1 && numbers[1] >= 0:
            self = .plateau(factor: numbers[0], patience: Int(numbers[1]))
        default: return nil
        }
    }
}
