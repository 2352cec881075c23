import Crystal
import Foundation

/// Cuts one input file into raw records, serially and streaming: memory holds one record at a time.
///
/// Fields that a table layout gives after its structures (a pandas "columns" file lists `n` after
/// `structure`) arrive as `lateFields`, keyed by record name.
struct FileRecordReader {
    let file: String
    let format: InputFormat
    private var reader: Reader
    private var index = 0
    /// Fields for records already read: record name → field → value.
    private(set) var lateFields: [(name: String, field: String, value: FieldValue)] = []
    /// Whether records carry table columns (MatBench/CSV), whose numeric fields become labels by default.
    private(set) var isTable = false

    private enum Reader {
        case cif(ByteReader, CIFBlockSplitter)
        case poscar(ByteReader?)
        case extxyz(ExtendedXYZReader)
        case json(JSONRecordStream)
        case jsonLines(ByteReader)
        case csv(CSVReader, header: [String], structureColumn: Int?, idColumn: Int?)
    }

    /// Opens `file` as `format`.
    ///
    /// - Throws: `CrystalError.unreadable` when the file cannot be opened or its header read.
    init(file: String, format: InputFormat, parameters: IngestParameters) throws {
        self.file = file
        self.format = format
        let source = try openByteSource(file)
        switch format {
        case .cif: reader = .cif(ByteReader(source), CIFBlockSplitter())
        case .poscar: reader = .poscar(ByteReader(source))
        case .extxyz: reader = .extxyz(ExtendedXYZReader(ByteReader(source)))
        case .json where Self.isJSONLines(file):
            reader = .jsonLines(ByteReader(source))
        case .json:
            reader = .json(JSONRecordStream(source, structureKey: parameters.structureField ?? "structure"))
        case .csv:
            var csv = CSVReader(ByteReader(source))
            let header = try csv.next() ?? []
            var structure: Int?
            if let field = parameters.structureField {
                guard let column = header.firstIndex(of: field) else {
                    throw CrystalError.malformed(
                        format: "CSV", line: 1, message: "no column '\(field)' (--structure-field)")
                }
                structure = column
            } else {
                structure = header.firstIndex(of: "structure")
            }
            let id = parameters.idField.flatMap { header.firstIndex(of: $0) } ?? (header.first == "" ? 0 : nil)
            reader = .csv(csv, header: header, structureColumn: structure, idColumn: id)
            isTable = true
        }
    }

    /// The next raw record, or `nil` at the end of the file; `fromTable` set when the file is a table.
    ///
    /// - Throws: `CrystalError` when the rest of the file cannot be read (truncated compression, broken
    ///   JSON or CSV framing); records returned before stay good.
    mutating func next() throws -> RawRecord? {
        guard var raw = try nextRecord() else { return nil }
        raw.fromTable = isTable
        return raw
    }

    private mutating func nextRecord() throws -> RawRecord? {
        defer { index += 1 }
        switch reader {
        case .cif(var lines, var splitter):
            defer { reader = .cif(lines, splitter) }
            while let line = try lines.readLineBytes() {
                if let block = splitter.append(bytes: line) {
                    var raw = record(.cif(block))
                    raw.multiBlock = true
                    raw.lineOffset = splitter.lastBlockStartLine - 1
                    return raw
                }
            }
            guard let block = splitter.finish() else { return nil }
            var raw = record(.cif(block))
            raw.multiBlock = index > 0
            raw.lineOffset = splitter.lastBlockStartLine - 1
            return raw
        case .poscar(let lines):
            guard var body = lines else { return nil }
            reader = .poscar(nil)
            let text = String(decoding: try body.readToEnd(), as: UTF8.self)
            return record(.poscar(text))
        case .extxyz(var frames):
            defer { reader = .extxyz(frames) }
            guard let frame = try frames.next() else { return nil }
            return RawRecord(
                file: file, index: frame.index, name: nil, payload: .parsed(frame.crystal), fields: frame.fields)
        case .json(var stream):
            defer { reader = .json(stream) }
            while let event = try stream.next() {
                switch event {
                case .record(let position, let name, let bytes, let fields):
                    if name != nil { isTable = true }
                    return RawRecord(file: file, index: position, name: name, payload: .json(bytes), fields: fields)
                case .lateField(let name, let field, let value):
                    lateFields.append((name, field, value))
                }
            }
            return nil
        case .jsonLines(var lines):
            defer { reader = .jsonLines(lines) }
            while let line = try lines.readLineBytes() {
                guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
                return record(.json(Array(line)))
            }
            return nil
        case .csv(var csv, let header, let structureColumn, let idColumn):
            defer { reader = .csv(csv, header: header, structureColumn: structureColumn, idColumn: idColumn) }
            guard let row = try csv.next() else { return nil }
            var raw = csvRecord(row, header: header, structureColumn: structureColumn, idColumn: idColumn)
            raw.lineOffset = csv.recordLine - 1
            return raw
        }
    }

    /// JSON Lines files (`.jsonl`, `.ndjson`) are split by line, so a broken line costs only that record.
    static func isJSONLines(_ file: String) -> Bool {
        let ext = InputFormat.pathExtension(InputCompression.strippedName(file)).lowercased()
        return ext == "jsonl" || ext == "ndjson"
    }

    private func record(_ payload: RawRecord.Payload) -> RawRecord {
        RawRecord(file: file, index: index, name: nil, payload: payload, fields: [:])
    }

    private func csvRecord(_ row: [String], header: [String], structureColumn: Int?, idColumn: Int?) -> RawRecord {
        var fields: [String: FieldValue] = [:]
        var structure: String?
        for (column, text) in row.enumerated() {
            let name = column < header.count ? header[column] : "column_\(column)"
            if column == structureColumn
                || (structureColumn == nil && structure == nil && StructureTextKind.detect(text) != .unknown)
            {
                structure = text
            } else if column != idColumn {
                fields[name] = FileRecordReader.fieldValue(text)
            }
        }
        let name = idColumn.flatMap { $0 < row.count ? row[$0] : nil }
        guard let structure else {
            let failure = CrystalError.malformed(
                format: "CSV", line: nil,
                message: "no cell holds a structure (pymatgen text or CIF); name the column with --structure-field")
            return RawRecord(file: file, index: index, name: name, payload: .parsed(.failure(failure)), fields: fields)
        }
        return RawRecord(file: file, index: index, name: name, payload: .structureText(structure), fields: fields)
    }

    /// A CSV cell as a field: numbers, `True`/`False`, empty or `nan` as null, otherwise text.
    static func fieldValue(_ text: String) -> FieldValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: return Double(trimmed).map(FieldValue.number) ?? .string(text)
        }
    }
}
