/// One trained target: how its labels are read and scaled (saved with the model).
struct TargetSpec: Sendable, Hashable, Codable {
    /// The label's name in `crystals.h5` `labels/`.
    var name: String
    var classification: Bool
    /// Class 1 when the label is at least this (classification; nil: labels are already 0/1).
    var threshold: Double?
    /// w_t in the loss Σ_t w_t L_t / T.
    var weight: Double
    /// Standardisation (regression): the network predicts (y − mean) / std; 0 and 1 for classification.
    var mean: Double
    var std: Double
    /// The label's units (as ingest recorded them; may be empty).
    var units: String
}
