import NN
import Tensor

/// DSSL, dual self-supervised learning (Fu and others, 2024), on the CGCNN encoder.
///
/// Element masking and coordinate-perturbation contrast are trained together, without labels.
///
/// One step sees three views of a batch of crystals: the stored graphs with some atoms masked
/// (`ElementMasking`), and two graphs rebuilt from independently perturbed coordinates
/// (`Crystal.perturbed`). The loss is w_mask · CE(element of masked atoms) + w_contrast · contrast(z₁, z₂),
/// with z the mean-pooled encodings of the two perturbed views and contrast 1 − cos(z₁, z₂) (the paper's
/// `CosineEmbeddingLoss` with target 1) or NT-Xent.
public struct DSSL: Sendable {
    /// The contrast between the two perturbed views.
    public enum Contrast: String, Sendable, Hashable, Codable, CaseIterable {
        /// 1 − cos(z₁, z₂), averaged over crystals (the paper's choice).
        case cosine
        /// NT-Xent over the batch with `temperature`.
        case ntxent
    }

    /// DSSL's physics-guided micro-property pretext on the masked atoms.
    public enum MicroProperty: String, Sendable, Hashable, Codable, CaseIterable {
        /// Per-element atomic stiffness, regressed with L1.
        case stiffness
        /// Per-element valence-electron class (17 classes), with cross-entropy.
        case valence

        /// Outputs of the micro-property head.
        var outputs: Int { self == .stiffness ? 1 : 17 }
    }

    /// Everything that fixes the network and its loss.
    public struct Configuration: Sendable, Hashable, Codable {
        /// The encoder; its `atomFeatures` includes the mask flag column, and it has no heads.
        public var encoder = CGCNN.Configuration()
        /// Element classes of the masking head: atomic numbers 1…`elementClasses`.
        public var elementClasses = 100
        public var maskWeight = 0.5
        public var contrastWeight = 0.5
        public var contrast = Contrast.cosine
        /// NT-Xent temperature τ.
        public var temperature = 0.1
        /// The micro-property pretext, or nil for the dual (masking + contrast) objective alone.
        public var microProperty: MicroProperty? = nil
        public var microWeight = 1.0

        /// The paper's defaults around an encoder reading `features` columns per atom (plus the mask flag).
        public init(features: Int = 92) {
            encoder.atomFeatures = features + 1
            encoder.heads = []
        }
    }

    public let configuration: Configuration
    public var encoder: CGCNN { CGCNN(configuration.encoder) }

    public init(_ configuration: Configuration) { self.configuration = configuration }

    private var elementHead: Linear {
        Linear("element_head", inputs: configuration.encoder.width, outputs: configuration.elementClasses)
    }

    private var microHead: Linear? {
        configuration.microProperty.map {
            Linear("micro_head", inputs: configuration.encoder.width, outputs: $0.outputs)
        }
    }

    /// Fresh parameters and buffers: the encoder's (as `CGCNN.initialize`), then the masking head's.
    public func initialize(seed: UInt64) -> (parameters: Parameters<Float>, buffers: Parameters<Float>) {
        var (parameters, buffers) = encoder.initialize(seed: seed)
        var generator = SeededGenerator(seed: seed &+ 0x9E37_79B9)
        elementHead.initialize(&parameters, using: &generator)
        microHead?.initialize(&parameters, using: &generator)
        return (parameters, buffers)
    }

    /// The loss of one step.
    ///
    /// - Parameters:
    ///   - masked: the batch with `ElementMasking.apply` features.
    ///   - maskedAtoms: its masked atoms (batch-global indices).
    ///   - elements: their atomic numbers (1…`elementClasses`).
    ///   - micro: with a micro-property pretext, each masked atom's target: its element's stiffness, or its
    ///     valence class (0…16) as a number; empty otherwise.
    ///   - view1: the same crystals' graph from perturbed coordinates, features with the mask flag column at 0.
    ///   - view2: another perturbation of the same crystals.
    ///   - parameters: the encoder's and the masking head's parameters.
    ///   - buffers: BatchNorm running statistics, updated when `training`.
    ///   - training: batch statistics (true) or running ones.
    /// - Returns: the weighted total (on the tape) and its parts: losses `mask`, `contrast` (and `micro`), hits
    ///   `element`.
    public func loss(
        masked: GraphBatch, maskedAtoms: [Int32], elements: [Int], micro: [Float] = [], view1: GraphBatch,
        view2: GraphBatch, _ parameters: Parameters<Float>, buffers: inout Parameters<Float>, training: Bool
    ) -> PretextTerms {
        precondition(
            maskedAtoms.count == elements.count,
            "DSSL.loss: \(maskedAtoms.count) masked atoms, \(elements.count) elements")
        precondition(
            view1.crystalCount == view2.crystalCount,
            "DSSL.loss: views of \(view1.crystalCount) and \(view2.crystalCount)")
        let atoms = encoder.encodeAtoms(masked, parameters, buffers: &buffers, training: training)
        let maskedFeatures = atoms.gather(rows: maskedAtoms)
        let logits = elementHead(maskedFeatures, parameters)
        let classes = elements.map { $0 - 1 }
        let maskLoss = Loss.crossEntropy(logits, classes: classes)
        let z1 = encoder.encode(view1, parameters, buffers: &buffers, training: training)
        let z2 = encoder.encode(view2, parameters, buffers: &buffers, training: training)
        let contrastLoss =
            switch configuration.contrast {
            case .cosine: Loss.cosineEmbedding(z1, z2, similar: Array(repeating: true, count: view1.crystalCount))
            case .ntxent: Loss.ntXent(z1, z2, temperature: Float(configuration.temperature))
            }
        var total =
            maskLoss * Tensor(Float(configuration.maskWeight)) + contrastLoss
            * Tensor(Float(configuration.contrastWeight))
        var microLoss: Float = 0
        if let head = microHead, let kind = configuration.microProperty {
            precondition(
                micro.count == maskedAtoms.count, "DSSL.loss: \(micro.count) micro targets, \(maskedAtoms.count) atoms")
            let output = head(maskedFeatures, parameters)
            let loss =
                switch kind {
                case .stiffness: Loss.l1(output, Tensor(shape: [micro.count, 1], values: micro))
                case .valence: Loss.crossEntropy(output, classes: micro.map { Int($0) })
                }
            microLoss = loss.values[0]
            total = total + loss * Tensor(Float(configuration.microWeight))
        }
        var losses = ["mask": maskLoss.values[0], "contrast": contrastLoss.values[0]]
        if configuration.microProperty != nil { losses["micro"] = microLoss }
        return PretextTerms(
            total: total, losses: losses, hits: ["element": (PretextTerms.right(logits, classes), classes.count)])
    }
}
