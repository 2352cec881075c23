/// Per-epoch record of one model's training, saved with it (attribute `history` of each member, JSON with
/// null for undefined values).
struct TrainingHistory: Sendable, Equatable {
    /// Mean training loss over the epoch's crystals (standardised targets).
    var trainLoss: [Double] = []
    /// The same loss on the validation set in evaluation mode (NaN without a validation set).
    var validationLoss: [Double] = []
    /// The early-stopping score: mean over targets of MAE / std (regression) and 1 − ROC-AUC (classification).
    var validationScore: [Double] = []
    var learningRate: [Double] = []
    /// Wall time of the epoch, s.
    var seconds: [Double] = []
    /// `mae:<target>` (label units) and `auc:<target>` per epoch.
    var validationMetrics: [String: [Double]] = [:]

    var epochs: Int { trainLoss.count }

    static func == (lhs: TrainingHistory, rhs: TrainingHistory) -> Bool {
        (try? CodingForm(lhs)) == (try? CodingForm(rhs))
    }
}

extension TrainingHistory: Codable {
    /// The stored form: every number as `JSONNumber`.
    private struct CodingForm: Codable, Equatable {
        var trainLoss: [JSONNumber]
        var validationLoss: [JSONNumber]
        var validationScore: [JSONNumber]
        var learningRate: [JSONNumber]
        var seconds: [JSONNumber]
        var validationMetrics: [String: [JSONNumber]]

        init(_ history: TrainingHistory) throws {
            let wrap = { (values: [Double]) in values.map(JSONNumber.init) }
            trainLoss = wrap(history.trainLoss)
            validationLoss = wrap(history.validationLoss)
            validationScore = wrap(history.validationScore)
            learningRate = wrap(history.learningRate)
            seconds = wrap(history.seconds)
            validationMetrics = history.validationMetrics.mapValues(wrap)
        }
    }

    init(from decoder: any Decoder) throws {
        let form = try CodingForm(from: decoder)
        let unwrap = { (values: [JSONNumber]) in values.map(\.value) }
        trainLoss = unwrap(form.trainLoss)
        validationLoss = unwrap(form.validationLoss)
        validationScore = unwrap(form.validationScore)
        learningRate = unwrap(form.learningRate)
        seconds = unwrap(form.seconds)
        validationMetrics = form.validationMetrics.mapValues(unwrap)
    }

    func encode(to encoder: any Encoder) throws { try CodingForm(self).encode(to: encoder) }
}
