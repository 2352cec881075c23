/// A streaming RFC 4180 CSV reader: one record at a time from a `ByteReader`.
///
/// Fields are separated by commas; a field that starts with `"` is quoted and may hold commas, doubled quotes
/// (`""` for one `"`) and line breaks, so one record can span many lines (the MatBench CSVs keep a whole
/// pymatgen structure rendering in one field). Line breaks inside a quoted field come out as `\n` whatever
/// the file used (CRLF is read like LF). Lenient where RFC 4180 is silent: a quote inside an unquoted field
/// is kept as text, text after a closing quote is appended to the field, a leading UTF-8 byte-order mark is
/// dropped, and blank lines between records are skipped. Records are returned as they are; checking that
/// each has as many fields as the header is the caller's business.
public struct CSVReader {
    private var reader: ByteReader
    private var atStart = true
    /// The 1-based line on which the last record returned started (0 before the first).
    public private(set) var recordLine = 0

    /// A reader of the CSV text that `reader` delivers.
    public init(_ reader: ByteReader) {
        self.reader = reader
    }

    private enum State {
        /// At the start of a field.
        case fieldStart
        /// Inside an unquoted field.
        case unquoted
        /// Inside a quoted field.
        case quoted
        /// Inside a quoted field, just after a `"`: either the closing quote or the first of a doubled pair.
        case quoteInQuoted
    }

    /// The fields of the next record, or `nil` at the end of the input.
    ///
    /// - Throws: `CrystalError.malformed(format: "CSV", line:, …)` with the record's first line when the
    ///   input ends inside a quoted field; `.unreadable` from the byte source.
    public mutating func next() throws -> [String]? {
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        var fields: [String] = []
        var field: [UInt8] = []
        var state = State.fieldStart
        var started = false
        while true {
            guard var line = try reader.readLineBytes() else {
                guard started else { return nil }
                throw CrystalError.malformed(
                    format: "CSV", line: recordLine,
                    message: "the input ends inside a quoted field (unterminated quote)")
            }
            if atStart {
                atStart = false
                if line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            }
            if !started {
                if line.isEmpty { continue }
                started = true
                recordLine = reader.lineNumber
            }
            for byte in line {
                switch state {
                case .fieldStart:
                    if byte == quote {
                        state = .quoted
                    } else if byte == comma {
                        fields.append("")
                    } else {
                        field.append(byte)
                        state = .unquoted
                    }
                case .unquoted:
                    if byte == comma {
                        fields.append(String(decoding: field, as: UTF8.self))
                        field.removeAll(keepingCapacity: true)
                        state = .fieldStart
                    } else {
                        field.append(byte)
                    }
                case .quoted:
                    if byte == quote {
                        state = .quoteInQuoted
                    } else {
                        field.append(byte)
                    }
                case .quoteInQuoted:
                    if byte == quote {
                        field.append(quote)
                        state = .quoted
                    } else if byte == comma {
                        fields.append(String(decoding: field, as: UTF8.self))
                        field.removeAll(keepingCapacity: true)
                        state = .fieldStart
                    } else {
                        field.append(byte)
                        state = .unquoted
                    }
                }
            }
            if state == .quoted {
                field.append(UInt8(ascii: "\n"))
                continue
            }
            fields.append(String(decoding: field, as: UTF8.self))
            return fields
        }
    }
}

/// What a text field that holds a structure is written in.
public enum StructureTextKind: Sendable, Hashable {
    /// pymatgen's `str(Structure)` rendering (`Full Formula (…)` …), read by `PymatgenTextParser`.
    case pymatgen
    /// CIF text: a `data_` block with `_cell_length_a`.
    case cif
    /// Neither.
    case unknown

    /// Tells what `text` looks like from its first line (pymatgen) or its data block and cell tags (CIF).
    public static func detect(_ text: some StringProtocol) -> StructureTextKind {
        let body = text.drop { $0.isWhitespace }
        if body.hasPrefix("Full Formula") { return .pymatgen }
        let hasBlock = body.split(whereSeparator: \.isNewline).contains {
            $0.drop { $0 == " " || $0 == "\t" }.hasPrefix("data_")
        }
        return hasBlock && body.contains("_cell_length_a") ? .cif : .unknown
    }
}
