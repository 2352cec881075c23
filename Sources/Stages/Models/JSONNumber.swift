/// A Double in JSON that survives NaN and infinities (written as null, read back as NaN), for metrics that can
/// be undefined (an AUC with one class present, a loss without a validation set).
struct JSONNumber: Sendable, Hashable, Codable {
    var value: Double

    init(_ value: Double) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        value = container.decodeNil() ? .nan : try container.decode(Double.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
    }
}
