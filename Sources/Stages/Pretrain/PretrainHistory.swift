/// Per-epoch record of a pretraining run, saved with the encoder.
struct PretrainHistory: Sendable, Codable, Equatable {
    /// Weighted total loss, mean over the epoch's batches.
    var loss: [Double] = []
    /// Element-masking cross-entropy.
    var maskLoss: [Double] = []
    /// Contrast between the perturbed views (1 − cos, or NT-Xent).
    var contrastLoss: [Double] = []
    /// Micro-property loss (0 without that pretext).
    var microLoss: [Double] = []
    /// Fraction of masked atoms whose element the head ranked first.
    var maskAccuracy: [Double] = []
    /// Wall time, s.
    var seconds: [Double] = []
}
