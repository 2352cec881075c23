/// A scalar field of an input record: a candidate label (numbers, booleans) or identifier (strings).
public enum FieldValue: Sendable, Hashable {
    case number(Double)
    case bool(Bool)
    case string(String)
    case null

    /// The value as a label: numbers as they are, booleans as 0/1, null as NaN; `nil` for strings.
    public var labelValue: Double? {
        switch self {
        case .number(let value): return value
        case .bool(let value): return value ? 1 : 0
        case .null: return .nan
        case .string: return nil
        }
    }
}

/// One parsed record of an input file: a structure, or why it could not be read, with its scalar fields.
public struct InputRecord: Sendable {
    /// The record's own name when it has one (a CIF block name, a MatBench row key, a document's id field is
    /// in `fields`); `nil` otherwise.
    public var name: String?
    /// The structure, or why it could not be read.
    public var crystal: Result<Crystal, CrystalError>
    /// Scalar fields that may become labels or the id (document properties, CSV columns, extxyz `key=value`).
    public var fields: [String: FieldValue]

    public init(name: String?, crystal: Result<Crystal, CrystalError>, fields: [String: FieldValue] = [:]) {
        self.name = name
        self.crystal = crystal
        self.fields = fields
    }
}
