import Models

/// Everything that fixes a pretraining run (`xtal-pretrain`), stored with the encoder as canonical JSON.
struct PretrainParameters: Sendable, Codable, Equatable {
    /// The self-supervised method; `dssl` is the one built so far.
    var method = "dssl"
    var contrast = DSSL.Contrast.cosine
    var epochs = 20
    var batchSize = 64
    var learningRate = 0.001
    var seed: UInt64 = 0
    /// Fraction of each crystal's atoms masked (k = ⌊fraction·n⌋ + 1).
    var maskFraction = 0.15
    var maskWeight = 0.5
    var contrastWeight = 0.5
    /// DSSL's micro-property pretext on masked atoms, or nil.
    var microProperty: DSSL.MicroProperty? = nil
    var microWeight = 0.1
    /// NT-Xent temperature.
    var temperature = 0.1
    /// Range of each site's random displacement in the perturbed views, Å.
    var perturbationMinimum = 0.1
    var perturbationMaximum = 0.5
    /// Draw masks and perturbations once from the seed, as the DSSL reference does, instead of every epoch.
    var fixedViews = false
    /// Encoder width (atom_fea_len) and graph convolutions; `xtal-train --init` needs the same.
    var width = 64
    var convolutions = 3
}
