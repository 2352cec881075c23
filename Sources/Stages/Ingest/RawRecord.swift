import Crystal

/// One record cut out of an input file by the serial reader, before it is parsed by a worker.
struct RawRecord: Sendable {
    /// What the worker parses.
    enum Payload: Sendable {
        /// One CIF data block.
        case cif(String)
        /// A whole POSCAR file.
        case poscar(String)
        /// One JSON value (a structure dict or a document).
        case json([UInt8])
        /// A structure as text in a CSV cell (pymatgen rendering or CIF).
        case structureText(String)
        /// Already parsed by the reader (extended XYZ frames).
        case parsed(Result<Crystal, CrystalError>)
    }

    /// The input file.
    var file: String
    /// 0-based position of the record in its file.
    var index: Int
    /// The record's own name (MatBench row key, CSV index column), if any.
    var name: String?
    /// For CIF blocks: whether the file holds several blocks (then the block name is the id, not the stem).
    var multiBlock = false
    /// Lines of the file before the record's text (a CIF block, a CSV row), so that a parser's line numbers,
    /// counted within the record, can be reported as lines of the file.
    var lineOffset = 0
    /// What to parse.
    var payload: Payload
    /// Scalar fields (labels, ids) that came with the record.
    var fields: [String: FieldValue]
    /// Whether the fields are table columns (MatBench, CSV), whose numeric ones are default labels.
    var fromTable = false
}

/// A parsed and validated record, ready for the writer.
struct CheckedRecord: Sendable {
    var raw: (file: String, index: Int, name: String?, multiBlock: Bool, fromTable: Bool)
    var crystal: Result<Crystal, CrystalError>
    var fields: [String: FieldValue]
    /// The reduced formula of an accepted crystal, computed on the worker rather than the serial writer.
    var formula = ""
    /// The fingerprint of an accepted crystal when ingest drops duplicates (`--unique`), computed on the worker.
    var fingerprint: StructureFingerprint?
}
