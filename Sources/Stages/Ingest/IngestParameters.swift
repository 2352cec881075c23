import Crystal

/// The parameters of the ingest stage (version 1): what to read and how to judge it.
public struct IngestParameters: Codable, Hashable, Sendable {
    /// The parameter-set version.
    public var version = 1
    /// Input files or folders, in the order given.
    public var inputs: [String]
    /// `auto` or one of `InputFormat`'s names.
    public var format: String = "auto"
    /// The field (JSON key or CSV column) that holds the id.
    public var idField: String?
    /// The JSON key or CSV column holding the structure (default: `structure`, else the first that parses).
    public var structureField: String?
    /// Labels to store; empty means the defaults of each format (see `LabelSpec`).
    public var labels: [LabelSpec] = []
    /// The stage fails when more than this fraction of records is rejected.
    public var maxRejectFraction: Double = 0.5
    /// Structure checks.
    public var validation = ValidationRules()
    /// Drop a crystal whose structure matches one kept earlier in the run (`StructureFingerprint`).
    public var unique = false

    public init(inputs: [String]) { self.inputs = inputs }
}

/// `--label NAME=FIELD[:UNIT]`: store the record field `field` as label `name`, in `unit`.
public struct LabelSpec: Codable, Hashable, Sendable {
    /// The label's name in the store.
    public var name: String
    /// The record field it comes from.
    public var field: String
    /// Its unit (`eV/atom`, `GPa`, …); empty when not given.
    public var unit: String

    public init(name: String, field: String, unit: String = "") {
        self.name = name
        self.field = field
        self.unit = unit
    }

    /// Parses `NAME=FIELD[:UNIT]` (or `FIELD[:UNIT]`, naming the label after the field).
    public init?(parsing text: String) {
        let (head, unit) =
            text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, "")
        let parts = head.split(separator: "=", maxSplits: 1).map(String.init)
        guard let field = parts.last, !field.isEmpty, let name = parts.first, !name.isEmpty else { return nil }
        self.init(name: name, field: field, unit: unit)
    }
}
