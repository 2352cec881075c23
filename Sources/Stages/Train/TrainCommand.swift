import ArgumentParser
import Distributed
import Foundation
import Models

/// `xtal-train`: trains a model on the store's graphs and labels into `models/<name>.h5`.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "xtal-train",
        abstract: "Train a multitask model on the store's labels (models/<name>.h5).",
        discussion: """
            One shared CGCNN encoder, one head per --targets label (MT-CGCNN hard sharing). Regression targets \
            are standardised on the training set; --classify NAME[:THRESHOLD] makes a target a classifier (class \
            1 when the label is at least THRESHOLD; without it the label must be 0/1). Crystals missing a label \
            are left out of that target's loss only. After every epoch the validation set is scored (mean MAE/std \
            over regression targets and 1 − ROC-AUC over classifiers), the best weights kept, and the state \
            checkpointed in models/<name>.training/; --resume continues a killed run exactly. --ensemble K trains \
            K members from seeds seed, seed+1, …; xtal predict reports their mean and standard deviation.

            --model negnn (Kong and others, 2024) trains the same network on a frozen encoder's atom embeddings \
            (--init NAME, an encoder of xtal pretrain; --encoder-layers picks and concatenates its layers, 0,1 by \
            default) instead of CGCNN features. --model head trains a small network (--head mlp) or ridge \
            regression (--head ridge) on the frozen encoder's crystal embeddings (mean and sum of the atom \
            embeddings): fast, for screening.

            --model cogn and --model congn (Ruff and others, 2023) train connectivity-optimised graph networks, \
            best on 24-nearest-neighbour graphs (xtal graph --method knn), and on asymmetric-unit graphs \
            (--asymmetric-unit) for the same result at less cost; congn needs the line graph (--line-graph). Their \
            defaults are the paper's recipe: Adam, --lr 5e-4 decaying linearly to 1e-5 (--schedule \
            polynomial:1:1e-5), --batch-size 64, --loss l1, width 128 (coGN) or 160 (coNGN), 5 blocks.
            """,
        version: XtalVersion.current
    )

    @OptionGroup var common: StageOptions

    @Option(help: "Architecture: mt-cgcnn, negnn, head, cogn or congn.")
    var model = "mt-cgcnn"

    @Option(help: "The model's name (saved as models/<name>.h5; default: the architecture).")
    var name: String?

    @Option(help: ArgumentHelp("Labels to learn, comma-separated (names in crystals.h5 labels/).", valueName: "a,b,c"))
    var targets = ""

    @Option(help: ArgumentHelp("Train a target as a classifier (repeatable).", valueName: "NAME[:THRESHOLD]"))
    var classify: [String] = []

    @Option(
        name: .customLong("task-weight"),
        help: ArgumentHelp("Loss weight of a target (repeatable).", valueName: "NAME=W"))
    var taskWeights: [String] = []

    @Option(help: "Regression loss on standardised targets: mse, l1 or huber (default: mse; cogn, congn: l1).")
    var loss: String?

    @Option(
        help: ArgumentHelp("random:TRAIN,VAL,TEST or matbench:[TASK:]FOLD (official folds 0-4).", valueName: "SPLIT"))
    var split = "random:0.8,0.1,0.1"

    @Option(
        name: .customLong("validation-fraction"),
        help: "With a MatBench split: training crystals held out to validate (default 0.1).")
    var validationFraction: Double?

    @Option(name: .customLong("matbench-splits"), help: "MatBench v0.1 validation file (official folds).")
    var matbenchSplits = "data/matbench_v0.1_validation.json.gz"

    @Option(help: "Optimiser: sgd (with --momentum), adam or adamw.")
    var optimizer = "adam"

    @Option(help: "Initial learning rate (default: 0.001; cogn, congn: 5e-4).")
    var lr: Double?

    @Option(help: "SGD momentum.")
    var momentum = 0.9

    @Option(name: .customLong("weight-decay"), help: "L2 penalty in the gradient (adam) or decoupled decay (adamw).")
    var weightDecay = 0.0

    @Option(
        name: .customLong("adam-epsilon-hat"),
        help: ArgumentHelp(
            "adam, adamw: add this ε̂ to the uncorrected √v, with the bias corrections in the step size, as "
                + "TensorFlow/Keras (and so kgcnn, with 1e-7) do; default: ε = 1e-8 added to the corrected √v̂, as "
                + "PyTorch.",
            valueName: "EPSILON"))
    var adamEpsilonHat: Double?

    @Option(
        help: ArgumentHelp(
            "constant, step:EVERY:GAMMA, cosine[:MIN], polynomial:POWER[:MIN] or plateau:FACTOR:PATIENCE "
                + "(default: constant; cogn, congn: polynomial:1:1e-5).",
            valueName: "SCHEDULE"))
    var schedule: String?

    @Flag(
        name: .customLong("schedule-every-step"),
        help: ArgumentHelp(
            "Set the scheduled rate before every optimiser step, at the fractional epoch step · batch size / "
                + "training crystals, as Keras's decay schedules (and so kgcnn's recipe) do; default: once per epoch."))
    var scheduleEveryStep = false

    @Option(help: "Epochs.")
    var epochs = 30

    @Option(name: .customLong("batch-size"), help: "Crystals per training batch (default: 256; cogn, congn: 64).")
    var batchSize: Int?

    @Option(help: "Stop after this many epochs without a better validation score (0: never).")
    var patience = 0

    @Option(name: .customLong("clip-norm"), help: "Clip gradients to this global L2 norm (0: no clipping).")
    var clipNorm = 0.0

    @Option(help: "Random seed (initial weights, split, shuffling).")
    var seed: UInt64 = 0

    @Option(help: "Ensemble members (seeds seed … seed+K−1).")
    var ensemble = 1

    @Flag(help: "Continue an interrupted run of the same parameters from its last epoch.")
    var resume = false

    @Option(help: "Atom feature width after the embedding (atom_fea_len; default: 64; cogn: 128, congn: 160).")
    var width: Int?

    @Option(help: "Graph convolutions (n_conv; default: 3) or cogn/congn blocks (default: 5).")
    var convolutions: Int?

    @Option(help: "Hidden width of each head (h_fea_len).")
    var hidden = 128

    @Option(name: .customLong("head-layers"), help: "Hidden layers per head (n_h).")
    var headLayers = 1

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp("Start the encoder from a pretrained one (xtal pretrain --name NAME).", valueName: "NAME"))
    var initEncoder: String?

    @Option(
        name: .customLong("freeze-encoder"),
        help: "With --init: epochs during which only the heads learn (then the whole network is fine-tuned).")
    var freezeEncoder = 0

    @Option(
        name: .customLong("encoder-layers"),
        help: ArgumentHelp(
            "negnn and head: the frozen encoder's layers to read, concatenated (default: 0,1, as Kong et al.).",
            valueName: "0,1,…"))
    var encoderLayers: String?

    @Option(help: "head: mlp or ridge.")
    var head = "mlp"

    @Option(name: .customLong("head-hidden"), help: "head mlp: hidden width (0: linear).")
    var headHidden = 64

    @Option(
        name: .customLong("ridge-alpha"),
        help: "head ridge: penalty per training crystal (λ = α·n; default: chosen on the validation set).")
    var ridgeAlpha: Double?

    @Option(name: .customLong("atom-features"), help: "CGCNN atom features (atom_init.json).")
    var atomFeatures = "data/cgcnn/atom_init.json"

    @Option(
        help: ArgumentHelp(
            "Cut each batch into P parts whose gradients are summed; under mpirun, the ranks share the parts "
                + "(default: 1, or the rank count under mpirun). A fixed P gives the same weights for any rank count.",
            valueName: "P"))
    var parts: Int?

    public init() {}

    /// The training parameters these flags give; throws `ValidationError` for a bad value.
    func parameters() throws -> TrainParameters {
        var p = TrainParameters()
        guard ["mt-cgcnn", "negnn", "head", "cogn", "congn"].contains(model) else {
            throw ValidationError("--model must be mt-cgcnn, negnn, head, cogn or congn, not '\(model)'")
        }
        // coGN and coNGN default to the paper's recipe, the others to CGCNN's.
        let isGraphNetwork = model == "cogn" || model == "congn"
        let loss = self.loss ?? (isGraphNetwork ? "l1" : "mse")
        let lr = self.lr ?? (isGraphNetwork ? 5e-4 : 0.001)
        let schedule = self.schedule ?? (isGraphNetwork ? "polynomial:1:1e-5" : "constant")
        let batchSize = self.batchSize ?? (isGraphNetwork ? 64 : 256)
        let convolutions = self.convolutions ?? (isGraphNetwork ? 5 : 3)
        p.model = model
        p.name = name ?? model
        guard !p.name.isEmpty, !p.name.contains("/"), p.name != "." && p.name != ".." else {
            throw ValidationError("--name must be a plain file name, not '\(p.name)'")
        }
        p.targets = targets.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for entry in classify {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard let target = parts.first, !target.isEmpty else { throw ValidationError("--classify needs a NAME") }
            var threshold: Double? = nil
            if parts.count == 2 {
                guard let value = Double(parts[1]) else {
                    throw ValidationError("--classify \(entry): THRESHOLD must be a number")
                }
                threshold = value
            }
            p.classify[target] = threshold
            if !p.targets.contains(target) { p.targets.append(target) }
        }
        guard !p.targets.isEmpty else { throw ValidationError("give --targets (and/or --classify)") }
        guard Set(p.targets).count == p.targets.count else { throw ValidationError("--targets has a repeated name") }
        for entry in taskWeights {
            let parts = entry.split(separator: "=").map(String.init)
            guard parts.count == 2, let weight = Double(parts[1]), weight >= 0, p.targets.contains(parts[0]) else {
                throw ValidationError("--task-weight \(entry): expected TARGET=WEIGHT for one of the targets")
            }
            p.taskWeights[parts[0]] = weight
        }
        guard ["mse", "l1", "huber"].contains(loss) else { throw ValidationError("--loss must be mse, l1 or huber") }
        p.loss = loss
        guard let kind = DataSplit.Kind(parsing: split) else {
            throw ValidationError(
                "--split must be random:TRAIN,VAL,TEST (summing to 1) or matbench:[TASK:]FOLD, not '\(split)'")
        }
        p.split = kind
        if let validationFraction {
            guard case .matbench = kind else {
                throw ValidationError(
                    "--validation-fraction applies to --split matbench:…; a random split takes its validation share "
                        + "from --split random:TRAIN,VAL,TEST")
            }
            guard validationFraction >= 0 && validationFraction < 1 else {
                throw ValidationError("--validation-fraction must be in [0, 1)")
            }
            p.validationFraction = validationFraction
        }
        guard ["sgd", "adam", "adamw"].contains(optimizer) else {
            throw ValidationError("--optimizer must be sgd, adam or adamw")
        }
        p.optimizer = optimizer
        guard lr > 0, momentum >= 0, weightDecay >= 0, clipNorm >= 0 else {
            throw ValidationError("--lr must be positive; --momentum, --weight-decay and --clip-norm not negative")
        }
        guard optimizer != "sgd" || weightDecay == 0 else {
            throw ValidationError("--weight-decay applies to adam and adamw, not sgd")
        }
        (p.learningRate, p.momentum, p.weightDecay, p.clipNorm) = (lr, momentum, weightDecay, clipNorm)
        if let hat = adamEpsilonHat, optimizer == "sgd" || !(hat > 0) {
            throw ValidationError("--adam-epsilon-hat must be positive and applies to adam and adamw, not sgd")
        }
        p.adamEpsilonHat = adamEpsilonHat
        guard epochs >= 1, batchSize >= 2, patience >= 0, ensemble >= 1 else {
            throw ValidationError("--epochs and --ensemble must be at least 1, --batch-size at least 2, --patience ≥ 0")
        }
        (p.epochs, p.batchSize, p.patience, p.seed, p.ensemble) = (epochs, batchSize, patience, seed, ensemble)
        guard let parsed = ScheduleSpec(parsing: schedule, epochs: epochs) else {
            throw ValidationError("--schedule '\(schedule)' is not one of the forms in --help")
        }
        p.schedule = parsed
        if scheduleEveryStep, case .plateau = parsed {
            throw ValidationError("--schedule-every-step needs a fixed schedule, not plateau (set once per epoch)")
        }
        p.scheduleEveryStep = scheduleEveryStep ? true : nil
        guard width ?? 1 >= 1, convolutions >= 1, hidden >= 1, headLayers >= 1 else {
            throw ValidationError("--width, --convolutions, --hidden and --head-layers must be at least 1")
        }
        var architecture = CGCNN.Configuration()
        architecture.width = width ?? 64
        architecture.convolutions = convolutions
        architecture.hidden = hidden
        architecture.headLayers = headLayers
        architecture.heads = p.targets.indices.map { t in
            CGCNN.Head(
                prefix: "heads.\(t).", outputs: p.isClassification(p.targets[t]) ? 2 : 1,
                classification: p.isClassification(p.targets[t]))
        }
        p.architecture = architecture
        if isGraphNetwork {
            var graphNetwork = model == "cogn" ? CoGN.Configuration.cogn() : CoGN.Configuration.congn()
            graphNetwork.width = width ?? graphNetwork.width
            graphNetwork.headHidden = graphNetwork.headHidden.map { _ in graphNetwork.width }
            graphNetwork.blocks = convolutions
            graphNetwork.heads = architecture.heads
            p.graphNetwork = graphNetwork
        }
        guard freezeEncoder >= 0, initEncoder != nil || freezeEncoder == 0,
            ["mt-cgcnn", "cogn", "congn"].contains(model) || freezeEncoder == 0
        else {
            throw ValidationError(
                "--freeze-encoder needs --model mt-cgcnn, cogn or congn and --init, and must not be negative")
        }
        (p.initEncoder, p.freezeEncoderEpochs) = (initEncoder, freezeEncoder)
        guard model == "mt-cgcnn" || isGraphNetwork || initEncoder != nil else {
            throw ValidationError("--model \(model) reads a frozen encoder: give --init NAME")
        }
        if let encoderLayers {
            let layers = encoderLayers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard model != "mt-cgcnn", !layers.isEmpty, layers.allSatisfy({ ($0 ?? -1) >= 0 }),
                Set(layers).count == layers.count
            else {
                throw ValidationError(
                    "--encoder-layers (negnn and head only) must be distinct whole numbers ≥ 0, not '\(encoderLayers)'")
            }
            p.encoderLayers = layers.compactMap { $0 }
        }
        guard ["mlp", "ridge"].contains(head), headHidden >= 0, (ridgeAlpha ?? 1) > 0 else {
            throw ValidationError("--head must be mlp or ridge, --head-hidden ≥ 0 and --ridge-alpha positive")
        }
        if model == "head" && head == "ridge" {
            guard p.classify.isEmpty, ensemble == 1 else {
                throw ValidationError(
                    "--head ridge fits regression targets with one member: no --classify or --ensemble")
            }
        }
        (p.head, p.headHidden, p.ridgeAlpha) = (head, headHidden, ridgeAlpha)
        guard (parts ?? 1) >= 1 else { throw ValidationError("--parts must be at least 1") }
        p.parts = parts
        return p
    }

    public mutating func validate() throws { _ = try parameters() }

    public func run() throws {
        try Communicator.runStage("xtal-train") { communicator in
            let stage = try TrainStage(
                parameters: try parameters(), atomFeaturesPath: atomFeatures, matbenchSplitsPath: matbenchSplits,
                resume: resume, options: common, communicator: communicator)
            _ = try stage.run()
        }
    }
}
