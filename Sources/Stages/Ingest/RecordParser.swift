import Crystal

/// The pure per-record work of ingest, run on worker threads: parse a raw record, validate the structure and,
/// for `--unique`, take its fingerprint.
struct RecordParser: Sendable {
    let rules: ValidationRules
    let idField: String?
    /// Whether to fingerprint accepted crystals (`--unique`).
    var fingerprints = false

    /// Parses and validates `raw`; failures are returned in the record, never thrown.
    func check(_ raw: RawRecord) -> CheckedRecord {
        var fields = raw.fields
        var parsed: Result<Crystal, CrystalError>
        switch raw.payload {
        case .cif(let text):
            parsed = Result { try CIFParser.parseBlock(text) }.mapError(Self.crystalError)
        case .poscar(let text):
            parsed = Result { try POSCARParser.parse(text, id: "") }.mapError(Self.crystalError)
        case .structureText(let text):
            switch StructureTextKind.detect(text) {
            case .cif: parsed = Result { try CIFParser.parseBlock(text) }.mapError(Self.crystalError)
            default: parsed = Result { try PymatgenTextParser.parse(text, id: "") }.mapError(Self.crystalError)
            }
        case .json(let bytes):
            let record = PymatgenStructureDecoder.record(
                from: bytes, index: raw.index, name: raw.name, fields: raw.fields, idField: idField)
            fields = record.fields
            parsed = record.crystal
        case .parsed(let result):
            parsed = result
        }
        if case .failure(.malformed(let format, let line?, let message)) = parsed, raw.lineOffset > 0 {
            parsed = .failure(.malformed(format: format, line: line + raw.lineOffset, message: message))
        }
        let checked = parsed.flatMap { crystal in
            Result { try crystal.validate(rules) }.mapError(Self.crystalError).map { crystal }
        }
        var record = CheckedRecord(
            raw: (raw.file, raw.index, raw.name, raw.multiBlock, raw.fromTable), crystal: checked, fields: fields)
        if case .success(let crystal) = checked {
            record.formula = crystal.composition.reducedFormula
            if fingerprints { record.fingerprint = StructureFingerprint(crystal) }
        }
        return record
    }

    private static func crystalError(_ error: Error) -> CrystalError {
        error as? CrystalError ?? .malformed(format: "input", line: nil, message: "\(error)")
    }
}
