import Models

/// Everything that fixes a pretraining run (`xtal-pretrain`), stored with the encoder as canonical JSON.
struct PretrainParameters: Sendable, Codable, Equatable {
    /// The self-supervised method.
    enum Method: String, Sendable, Codable, CaseIterable {
        /// Fu and others, 2024: element masking + perturbed-view contrast on a CGCNN encoder.
        case dssl
        /// Kong and others, 2024: group, period and bond-length bins of masked atoms on the NEGNN encoder.
        case negnnPredictive = "negnn-predictive"
        /// Kong and others, 2024: GraphCL over supercell and attribute-masked views on the NEGNN encoder.
        case negnnContrastive = "negnn-contrastive"
    }

    var method = Method.dssl
    var contrast = DSSL.Contrast.cosine
    var epochs = 20
    var batchSize = 64
    var learningRate = 0.001
    var seed: UInt64 = 0
    /// Fraction of each crystal's atoms masked (k = ⌊fraction·n⌋ + 1): DSSL's and NEGNN-predictive's masking,
    /// NEGNN-contrastive's attribute masking (of atoms and of edges).
    var maskFraction = 0.15
    var maskWeight = 0.5
    var contrastWeight = 0.5
    /// DSSL's micro-property pretext on masked atoms, or nil.
    var microProperty: DSSL.MicroProperty? = nil
    var microWeight = 0.1
    /// NT-Xent / GraphCL temperature.
    var temperature = 0.1
    /// Range of each site's random displacement in DSSL's perturbed views, Å.
    var perturbationMinimum = 0.1
    var perturbationMaximum = 0.5
    /// Draw masks and views once from the seed, as the reference codes do, instead of every epoch.
    var fixedViews = false
    /// Encoder width and graph convolutions (coGN blocks); `xtal-train --init` needs the same.
    var width = 64
    var convolutions = 3
    /// The NEGNN methods' encoder when it is not their own: `cogn` or `congn` (nil: DSSL's CGCNN, NEGNN's
    /// CGConv encoder; absent from older files, whose hashes it leaves unchanged).
    var encoder: String? = nil
    /// Parts each mini-batch is cut into for data-parallel training (`DataParallelStep`), at least 2; nil for
    /// undivided batches (1 part, and then not encoded, so the parameter hashes of older runs stay the same).
    var parts: Int? = nil

    /// coGN or coNGN as the encoder, with `width` and `convolutions` blocks; nil for the other encoders.
    var graphNetwork: CoGN.Configuration? {
        guard encoder == "cogn" || encoder == "congn" else { return nil }
        var c = encoder == "cogn" ? CoGN.Configuration.cogn() : CoGN.Configuration.congn()
        (c.width, c.blocks, c.heads) = (width, convolutions, [])
        c.headHidden = []
        return c
    }
}
