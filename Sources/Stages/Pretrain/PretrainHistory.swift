/// Per-epoch record of a pretraining run, saved with the encoder.
struct PretrainHistory: Sendable, Codable, Equatable {
    /// Weighted total loss, mean over the epoch's crystals.
    var loss: [Double] = []
    /// Each part of the objective, unweighted, by name (`mask`, `contrast`, `micro`, `group`, `period`, `bond`).
    var terms: [String: [Double]] = [:]
    /// Each classification pretext's top-1 accuracy by name (`element`, `group`, `period`, `bond`, `partner`).
    var accuracy: [String: [Double]] = [:]
    /// Wall time, s.
    var seconds: [Double] = []
}
