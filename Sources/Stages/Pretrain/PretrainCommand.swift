import ArgumentParser
import Distributed
import Foundation
import Models

/// `xtal-pretrain`: self-supervised pretraining of an encoder on the store's crystals, without labels.
public struct PretrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-pretrain",
        abstract: "Pretrain a crystal encoder without labels (models/<name>.h5).",
        discussion: """
            dssl (Fu and others, 2024): a CGCNN encoder learns to name masked atoms' elements (k = ⌊fraction·n⌋ + 1 \
            atoms per crystal, cross-entropy) while the mean-pooled encodings of two copies of each crystal, every \
            site moved by a random 0.1–0.5 Å vector and the graph rebuilt as graphs.h5 was built, are pulled \
            together (1 − cos, or NT-Xent). Loss = mask-weight · masking + contrast-weight · contrast. Masks and \
            perturbations are redrawn every epoch from the seed (--fixed-views draws them once, as the reference \
            code does).

            negnn-predictive and negnn-contrastive (Kong and others, 2024) train the NEGNN encoder (CGConv layers with \
            BatchNorm and ReLU, 5 by default): predictive masks ⌊0.15·n⌋ + 1 atoms per crystal (features and the \
            edges touching them hidden) and names their group, period and every such edge's 0.2 Å distance bin; \
            contrastive compares two views of each crystal, a random supercell (1×1×1, 1×1×2, 1×2×2, 2×2×2) with \
            ⌊0.2·n⌋ + 1 atoms' and edges' features replaced by the crystal's mean, by GraphCL (τ = 0.1).
            """,
        version: XtalVersion.current
    )

    @OptionGroup var common: StageOptions

    @Option(help: "Method: dssl, negnn-predictive or negnn-contrastive.")
    var method = "dssl"

    @Option(help: "The encoder's name (saved as models/<name>.h5; default: the method).")
    var name: String?

    @Option(help: "Contrast between the perturbed views: cosine (1 − cos, the paper's) or ntxent.")
    var contrast = "cosine"

    @Option(help: "Epochs.")
    var epochs = 20

    @Option(name: .customLong("batch-size"), help: "Crystals per batch.")
    var batchSize = 64

    @Option(help: "Adam learning rate.")
    var lr = 0.001

    @Option(help: "Random seed (weights, batches, masks, perturbations).")
    var seed: UInt64 = 0

    @Option(
        name: .customLong("mask-fraction"),
        help: "Fraction of each crystal's atoms (and for negnn-contrastive, edges) masked, ⌊f·n⌋ + 1 (0.15; 0.2).")
    var maskFraction: Double?

    @Option(name: .customLong("mask-weight"), help: "Weight of the masking loss (0.5; 0.1 with --micro-property).")
    var maskWeight: Double?

    @Option(
        name: .customLong("contrast-weight"), help: "Weight of the contrast loss (0.5; 1.0 with --micro-property).")
    var contrastWeight: Double?

    @Option(
        name: .customLong("micro-property"),
        help: "DSSL's physics-guided pretext on masked atoms: stiffness (L1) or valence (17-class cross-entropy).")
    var microProperty: String?

    @Option(name: .customLong("micro-weight"), help: "Weight of the micro-property loss.")
    var microWeight = 0.1

    @Option(name: .customLong("micro-table"), help: "The per-element micro-property table.")
    var microTable = "data/dssl_micro_properties.json"

    @Option(help: "NT-Xent temperature.")
    var temperature = 0.1

    @Option(name: .customLong("perturbation-min"), help: "Smallest random displacement of a site, Å.")
    var perturbationMinimum = 0.1

    @Option(name: .customLong("perturbation-max"), help: "Largest random displacement of a site, Å.")
    var perturbationMaximum = 0.5

    @Flag(name: .customLong("fixed-views"), help: "Draw masks and perturbations once, as the DSSL reference does.")
    var fixedViews = false

    @Option(
        help: "Encoder of the negnn methods: negnn, cogn or congn (Ruff and others, 2023); dssl's is cgcnn.")
    var encoder: String?

    @Option(help: "Encoder width (atom_fea_len; 64, or 128 for cogn and 160 for congn).")
    var width: Int?

    @Option(help: "Graph convolutions (3 for dssl, 5 for negnn) or coGN blocks (5).")
    var convolutions: Int?

    @Option(name: .customLong("atom-features"), help: "CGCNN atom features (atom_init.json).")
    var atomFeatures = "data/cgcnn/atom_init.json"

    @Option(
        help: ArgumentHelp(
            "Cut each batch into P parts whose gradients are summed (contrastive negatives then come from the "
                + "crystal's part); under mpirun, the ranks share the parts (default: 1, or the rank count under "
                + "mpirun). A fixed P gives the same weights for any rank count.",
            valueName: "P"))
    var parts: Int?

    public init() {}

    /// The run's parameters.
    var parameters: PretrainParameters {
        var p = PretrainParameters()
        p.method = PretrainParameters.Method(rawValue: method) ?? .dssl
        p.contrast = DSSL.Contrast(rawValue: contrast) ?? .cosine
        p.epochs = epochs
        p.batchSize = batchSize
        p.learningRate = lr
        p.seed = seed
        p.maskFraction = maskFraction ?? (p.method == .negnnContrastive ? 0.2 : 0.15)
        p.microProperty = microProperty.flatMap(DSSL.MicroProperty.init(rawValue:))
        p.microWeight = microWeight
        // The paper's weights: 0.5 / 0.5 for the dual objective, 0.1 / 0.1 / 1.0 with the micro-property.
        p.maskWeight = maskWeight ?? (p.microProperty == nil ? 0.5 : 0.1)
        p.contrastWeight = contrastWeight ?? (p.microProperty == nil ? 0.5 : 1.0)
        p.temperature = temperature
        p.perturbationMinimum = perturbationMinimum
        p.perturbationMaximum = perturbationMaximum
        p.fixedViews = fixedViews
        p.encoder = ["cogn", "congn"].contains(encoder ?? "") ? encoder : nil
        p.width = width ?? ["cogn": 128, "congn": 160][p.encoder ?? ""] ?? 64
        p.convolutions = convolutions ?? (p.method == .dssl ? 3 : 5)
        p.parts = parts
        return p
    }

    public func validate() throws {
        guard PretrainParameters.Method(rawValue: method) != nil else {
            throw ValidationError("--method must be dssl, negnn-predictive or negnn-contrastive, not '\(method)'")
        }
        guard microProperty == nil || method == "dssl" else {
            throw ValidationError("--micro-property is a DSSL pretext: it needs --method dssl")
        }
        if let microProperty, DSSL.MicroProperty(rawValue: microProperty) == nil {
            throw ValidationError("--micro-property must be stiffness or valence, not '\(microProperty)'")
        }
        guard DSSL.Contrast(rawValue: contrast) != nil else {
            throw ValidationError("--contrast must be cosine or ntxent, not '\(contrast)'")
        }
        guard epochs >= 1, batchSize >= 2 else { throw ValidationError("--epochs ≥ 1 and --batch-size ≥ 2") }
        guard lr > 0, temperature > 0 else { throw ValidationError("--lr and --temperature must be positive") }
        guard (0..<1).contains(maskFraction ?? 0) else { throw ValidationError("--mask-fraction must be in [0, 1)") }
        guard perturbationMinimum >= 0, perturbationMaximum >= perturbationMinimum else {
            throw ValidationError("need 0 ≤ --perturbation-min ≤ --perturbation-max")
        }
        let encoders = method == "dssl" ? ["cgcnn"] : ["negnn", "cogn", "congn"]
        guard encoders.contains(encoder ?? encoders[0]) else {
            throw ValidationError("--encoder of --method \(method) must be \(encoders.joined(separator: ", "))")
        }
        guard (width ?? 1) >= 1, (convolutions ?? 1) >= 1 else {
            throw ValidationError("--width and --convolutions must be ≥ 1")
        }
        guard (parts ?? 1) >= 1 else { throw ValidationError("--parts must be at least 1") }
    }

    public func run() throws {
        try Communicator.runStage("xtal-pretrain") { communicator in
            _ = try PretrainStage(
                name: name ?? method, parameters: parameters, atomFeaturesPath: atomFeatures,
                microTablePath: microTable, options: common, communicator: communicator
            ).run()
        }
    }
}
