#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// What `JSONRecordStream` yields: a record's raw JSON, or a field that arrived after its record.
public enum JSONInputEvent: Sendable, Equatable {
    /// One record: its 0-based position, its name (a row key or index entry) when the layout gives one, the
    /// raw JSON of its structure (or document), and scalar fields known when it was read.
    case record(index: Int, name: String?, bytes: [UInt8], fields: [String: FieldValue])
    /// A scalar of the record named `name`, from a column that comes after the structures in the file.
    case lateField(name: String, field: String, value: FieldValue)
}

/// Splits a JSON input into records without ever holding the whole input.
///
/// The layout is detected from the first bytes and the first keys of the top-level value:
/// - JSON Lines (one value per line) or a top-level array: each value is a record;
/// - pandas "split" orientation, `{"index": […], "columns": […], "data": [[…], …]}`: one record per row, from
///   the column named `structureKey` (else the first column whose values are objects), the other columns'
///   scalars as fields and the index entry as the name;
/// - pandas "columns" orientation, `{"structure": {"0": {…}, …}, "n": {"0": 1.75, …}}`: one record per entry of
///   the structure column, named by its row key; scalars of columns before it become fields, of columns after
///   it `.lateField` events;
/// - parallel arrays, `{"structures": [{…}, …], "bulk_moduli": […]}`: one record per element of the array
///   named `structureKey` or its plural (else the first array of structure-like objects), named by position;
///   scalars of other arrays become fields (before) or `.lateField` events (after);
/// - pandas "index" orientation, `{"mp-1": {"structure": {…}, "n": 1.75}, …}`: each member is a document
///   (a row) named by its key;
/// - a single object that is itself a structure or a document with a `structureKey` member: one record.
///
/// Memory holds a refill buffer, the current record's bytes and the (small) columns that come before the
/// structures. A damaged compressed input throws `CrystalError.unreadable` after the records before the damage.
public struct JSONRecordStream {
    /// The layout of the input, known once the first record or event has been read.
    public enum Layout: Sendable, Equatable {
        /// Several top-level values (JSON Lines): each is a record.
        case sequence
        /// A top-level array: each element is a record.
        case array
        /// pandas "split" orientation: `index`, `columns`, `data` rows.
        case split
        /// pandas "columns" orientation: column name → row key → value.
        case columns
        /// Named arrays of equal length, one of them holding the structures.
        case parallelArrays
        /// pandas "index" orientation: row key → document with a `structureKey` member.
        case index
        /// One top-level object that is a structure or a document.
        case single
    }

    /// The name of the column (or document member) holding the structures.
    public let structureKey: String
    /// The detected layout; `nil` before the first event.
    public private(set) var layout: Layout?

    private var cursor: JSONByteCursor
    private var phase = Phase.start
    private var recordCount = 0
    private var splitColumns: [String] = []
    private var splitIndex: [String]?
    private var splitStructureColumn: Int?
    private var heldColumns: [(name: String, values: [String: FieldValue])] = []
    private var heldArrays: [(name: String, values: [FieldValue?])] = []

    private enum Phase {
        case start
        case afterSingle
        case sequence
        case arrayElements(first: Bool)
        case splitRows(first: Bool)
        case columnEntries
        case rowDocuments
        case recordElements
        case members
        case lateObject(column: String, first: Bool)
        case lateArray(column: String, position: Int)
        case end
        case finished
    }

    /// Reads records from `source`, taking structures from the column or member named `structureKey`.
    public init(_ source: any ByteSource, structureKey: String = "structure", bufferSize: Int = 1 << 18) {
        cursor = JSONByteCursor(source, bufferSize: bufferSize)
        self.structureKey = structureKey
    }

    /// The next record or late field, or `nil` at the end of the input.
    ///
    /// - Throws: `CrystalError.malformed` if the input is not JSON of a known layout, `CrystalError.unreadable`
    ///   if the source fails (e.g. a truncated `.gz`).
    public mutating func next() throws -> JSONInputEvent? {
        while true {
            switch phase {
            case .start:
                guard let first = try cursor.peekNonSpace() else {
                    phase = .finished
                    return nil
                }
                if first == openBracket {
                    cursor.advance()
                    layout = .array
                    phase = .arrayElements(first: true)
                } else if first == openBrace {
                    if let event = try readTopObject() { return event }
                } else {
                    throw cursor.error("expected '{' or '[' at the top level")
                }
            case .afterSingle:
                guard try cursor.peekNonSpace() != nil else {
                    phase = .finished
                    return nil
                }
                layout = .sequence
                phase = .sequence
            case .sequence:
                guard try cursor.peekNonSpace() != nil else {
                    phase = .finished
                    return nil
                }
                return emit(try cursor.capture(), name: nil, fields: [:])
            case .arrayElements(let first):
                guard try cursor.nextItem(close: closeBracket, first: first) else {
                    phase = .end
                    continue
                }
                phase = .arrayElements(first: false)
                return emit(try cursor.capture(), name: nil, fields: [:])
            case .splitRows(let first):
                guard try cursor.nextItem(close: closeBracket, first: first) else {
                    phase = .members
                    continue
                }
                phase = .splitRows(first: false)
                return try readSplitRow()
            case .columnEntries:
                guard try cursor.nextItem(close: closeBrace, first: false) else {
                    phase = .members
                    continue
                }
                let rowKey = try cursor.readKeyName()
                return emit(try cursor.capture(), name: rowKey, fields: heldColumnFields(rowKey))
            case .rowDocuments:
                guard try cursor.nextItem(close: closeBrace, first: false) else {
                    phase = .end
                    continue
                }
                let rowKey = try cursor.readKeyName()
                return emit(try cursor.capture(), name: rowKey, fields: [:])
            case .recordElements:
                guard try cursor.nextItem(close: closeBracket, first: false) else {
                    phase = .members
                    continue
                }
                let position = recordCount
                return emit(try cursor.capture(), name: String(position), fields: heldArrayFields(position))
            case .members:
                guard try cursor.nextItem(close: closeBrace, first: false) else {
                    phase = .end
                    continue
                }
                let key = try cursor.readKeyName()
                let start = try cursor.peekNonSpace()
                if layout == .columns && start == openBrace {
                    cursor.advance()
                    phase = .lateObject(column: key, first: true)
                } else if layout == .parallelArrays && start == openBracket {
                    cursor.advance()
                    phase = .lateArray(column: key, position: 0)
                } else {
                    try cursor.skip()
                }
            case .lateObject(let column, let first):
                guard try cursor.nextItem(close: closeBrace, first: first) else {
                    phase = .members
                    continue
                }
                phase = .lateObject(column: column, first: false)
                let rowKey = try cursor.readKeyName()
                if let value = try cursor.scalarField() {
                    return .lateField(name: rowKey, field: column, value: value)
                }
            case .lateArray(let column, let position):
                guard try cursor.nextItem(close: closeBracket, first: position == 0) else {
                    phase = .members
                    continue
                }
                phase = .lateArray(column: column, position: position + 1)
                if let value = try cursor.scalarField() {
                    return .lateField(name: String(position), field: column, value: value)
                }
            case .end:
                if try cursor.peekNonSpace() != nil {
                    throw cursor.error("unexpected content after the top-level value")
                }
                phase = .finished
                return nil
            case .finished:
                return nil
            }
        }
    }

    // MARK: - Layout detection

    /// Reads the top-level object's members until its layout is known; returns its first event, or `nil` when
    /// the layout has been entered but has yielded nothing yet.
    private mutating func readTopObject() throws -> JSONInputEvent? {
        cursor.advance()
        // Everything read so far, in case the object turns out to be a single record.
        var prefix: [UInt8] = [openBrace]
        var held: [(key: String, raw: [UInt8])] = []
        var first = true
        while try cursor.nextItem(close: closeBrace, first: first) {
            if !first { prefix.append(comma) }
            first = false
            let (key, rawKey) = try cursor.readKey()
            prefix += rawKey
            prefix.append(colon)
            if singleRecordKeys.contains(key) {
                try cursor.capture(into: &prefix, depth: 1)
                return single(prefix)
            }
            var raw: [UInt8] = []
            switch try cursor.peekNonSpace() {
            case openBracket:
                cursor.advance()
                raw.append(openBracket)
                if key == "data", let columns = stringArray(lastHeld(held, "columns")) {
                    enterSplit(columns: columns, index: lastHeld(held, "index"))
                    return nil
                }
                if try cursor.peekNonSpace() == openBrace {
                    let element = try cursor.capture()
                    if key == structureKey || key == structureKey + "s" || looksLikeRecord(element) {
                        enterParallelArrays(held)
                        return emit(element, name: "0", fields: heldArrayFields(0))
                    }
                    raw += element
                }
                try cursor.capture(into: &raw, depth: 1)
            case openBrace:
                cursor.advance()
                raw.append(openBrace)
                if try cursor.peekNonSpace() == quote {
                    let (innerKey, rawInnerKey) = try cursor.readKey()
                    let innerStart = try cursor.peekNonSpace()
                    if key == structureKey && structureKeys.contains(innerKey) {
                        // A document whose structure is a member: the whole object is the record.
                        prefix += raw + rawInnerKey
                        prefix.append(colon)
                        try cursor.capture(into: &prefix, depth: 2)
                        return single(prefix)
                    }
                    if innerKey == structureKey && innerStart == openBrace && held.isEmpty {
                        // A row document named by its key: pandas "index" orientation.
                        layout = .index
                        phase = .rowDocuments
                        raw += rawInnerKey
                        raw.append(colon)
                        try cursor.capture(into: &raw, depth: 1)
                        return emit(raw, name: key, fields: [:])
                    }
                    if innerStart == openBrace && !structureKeys.contains(innerKey) {
                        enterColumns(held)
                        return emit(try cursor.capture(), name: innerKey, fields: heldColumnFields(innerKey))
                    }
                    raw += rawInnerKey
                    raw.append(colon)
                }
                try cursor.capture(into: &raw, depth: 1)
            default:
                try cursor.capture(into: &raw)
            }
            prefix += raw
            held.append((key, raw))
        }
        prefix.append(closeBrace)
        let whole = try JSONParser.parse(prefix)
        if whole["lattice"] != nil || whole[structureKey]?.object != nil {
            return single(prefix)
        }
        if let empty = whole[structureKey] ?? whole[structureKey + "s"],
            empty.array?.isEmpty == true || empty.object?.isEmpty == true
        {
            layout = .columns
            phase = .end
            return nil
        }
        throw CrystalError.malformed(
            format: "JSON", line: nil,
            message: "no structures found: expected a structure, a document with '\(structureKey)', a table with a "
                + "'\(structureKey)' column or an array of structures")
    }

    private mutating func single(_ bytes: [UInt8]) -> JSONInputEvent {
        layout = .single
        phase = .afterSingle
        return emit(bytes, name: nil, fields: [:])
    }

    private mutating func enterSplit(columns: [String], index: [UInt8]?) {
        layout = .split
        splitColumns = columns
        splitIndex = index.flatMap { try? JSONParser.parse($0).array }.map { $0.map(indexName) }
        splitStructureColumn = columns.firstIndex(of: structureKey)
        phase = .splitRows(first: true)
    }

    private mutating func enterColumns(_ held: [(key: String, raw: [UInt8])]) {
        layout = .columns
        phase = .columnEntries
        for (key, raw) in held {
            guard let members = (try? JSONParser.parse(raw))?.object else { continue }
            var values: [String: FieldValue] = [:]
            for member in members {
                if let field = member.value.fieldValue { values[member.key] = field }
            }
            heldColumns.append((key, values))
        }
    }

    private mutating func enterParallelArrays(_ held: [(key: String, raw: [UInt8])]) {
        layout = .parallelArrays
        phase = .recordElements
        for (key, raw) in held {
            guard let elements = (try? JSONParser.parse(raw))?.array else { continue }
            heldArrays.append((key, elements.map(\.fieldValue)))
        }
    }

    // MARK: - Records

    private mutating func readSplitRow() throws -> JSONInputEvent {
        guard try cursor.peekNonSpace() == openBracket else { throw cursor.error("expected a row array in 'data'") }
        cursor.advance()
        var fields: [String: FieldValue] = [:]
        var structure: [UInt8]?
        var column = 0
        while try cursor.nextItem(close: closeBracket, first: column == 0) {
            let start = try cursor.peekNonSpace()
            let raw = try cursor.capture()
            if column == splitStructureColumn || (splitStructureColumn == nil && start == openBrace) {
                splitStructureColumn = column
                structure = raw
            } else if column < splitColumns.count, let value = try fieldOfCapture(raw) {
                fields[splitColumns[column]] = value
            }
            column += 1
        }
        let position = recordCount
        let name = splitIndex.flatMap { position < $0.count ? $0[position] : nil }
        return emit(structure ?? Array("null".utf8), name: name, fields: fields)
    }

    private mutating func emit(_ bytes: [UInt8], name: String?, fields: [String: FieldValue]) -> JSONInputEvent {
        defer { recordCount += 1 }
        return .record(index: recordCount, name: name, bytes: bytes, fields: fields)
    }

    private func heldColumnFields(_ rowKey: String) -> [String: FieldValue] {
        var fields: [String: FieldValue] = [:]
        for (name, values) in heldColumns {
            if let value = values[rowKey] { fields[name] = value }
        }
        return fields
    }

    private func heldArrayFields(_ position: Int) -> [String: FieldValue] {
        var fields: [String: FieldValue] = [:]
        for (name, values) in heldArrays where position < values.count {
            if let value = values[position] { fields[name] = value }
        }
        return fields
    }

    /// Whether raw JSON is a structure (has `lattice` and `sites`) or a document holding one.
    private func looksLikeRecord(_ raw: [UInt8]) -> Bool {
        guard let value = try? JSONParser.parse(raw) else { return false }
        return (value["lattice"] != nil && value["sites"] != nil) || value[structureKey]?.object != nil
    }
}

// MARK: - Helpers

/// Top-level keys that make an object a single structure (read whole, never as a table).
private let singleRecordKeys: Set<String> = ["@module", "@class", "lattice", "sites"]

/// Keys that open a pymatgen structure dict: a member with one of them first is a structure, not a column.
private let structureKeys: Set<String> = ["@module", "@class", "@version", "lattice", "sites", "charge", "properties"]

private func lastHeld(_ held: [(key: String, raw: [UInt8])], _ key: String) -> [UInt8]? {
    held.last { $0.key == key }?.raw
}

private func stringArray(_ raw: [UInt8]?) -> [String]? {
    guard let raw, let elements = (try? JSONParser.parse(raw))?.array else { return nil }
    let strings = elements.compactMap(\.string)
    return strings.count == elements.count ? strings : nil
}

/// A record name from an index entry: strings as they are, integral numbers without a decimal point.
private func indexName(_ value: JSONValue) -> String {
    switch value {
    case .string(let text): return text
    case .number(let number): return value.int.map(String.init) ?? "\(number)"
    case .bool(let flag): return "\(flag)"
    case .null: return "null"
    case .array, .object: return ""
    }
}

/// The field value of a captured scalar; `nil` for arrays and objects.
private func fieldOfCapture(_ raw: [UInt8]) throws -> FieldValue? {
    guard let first = raw.first, first != openBrace && first != openBracket else { return nil }
    return try JSONParser.parse(raw).fieldValue
}

// MARK: - Byte cursor

/// A refillable buffer over a `ByteSource` with the token-level moves the record splitter needs.
private struct JSONByteCursor {
    private var source: any ByteSource
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var consumed = 0
    private var exhausted = false

    init(_ source: any ByteSource, bufferSize: Int) {
        self.source = source
        buffer = [UInt8](repeating: 0, count: max(bufferSize, 16))
    }

    /// The offset of the next unread byte from the start of the input.
    var offset: Int { consumed + start }

    func error(_ message: String) -> CrystalError {
        .malformed(format: "JSON", line: nil, message: "\(message) at byte \(offset)")
    }

    func endOfInput(_ expectation: String) -> CrystalError {
        .malformed(format: "JSON", line: nil, message: "unexpected end of input (\(expectation)) at byte \(offset)")
    }

    /// Refills an empty buffer; `false` at the end of the input.
    private mutating func fill() throws -> Bool {
        guard !exhausted else { return false }
        consumed += end
        start = 0
        end = 0
        let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        end = count
        if count == 0 { exhausted = true }
        return count > 0
    }

    /// The next byte that is not whitespace, without consuming it; `nil` at the end of the input.
    mutating func peekNonSpace() throws -> UInt8? {
        while true {
            while start < end {
                switch buffer[start] {
                case 0x20, 0x0A, 0x0D, 0x09: start += 1
                case let byte: return byte
                }
            }
            guard try fill() else { return nil }
        }
    }

    /// Consumes the byte returned by the last `peekNonSpace`.
    mutating func advance() { start += 1 }

    /// Moves to the next item of the open array or object: consumes the `,` before it unless it is the
    /// first; returns `false` after consuming `close` when there are no more items.
    mutating func nextItem(close: UInt8, first: Bool) throws -> Bool {
        var closing: String { "'\(Character(UnicodeScalar(close)))'" }
        guard let byte = try peekNonSpace() else { throw endOfInput("expected ',' or \(closing)") }
        if byte == close {
            advance()
            return false
        }
        if !first {
            guard byte == comma else { throw error("expected ',' or \(closing)") }
            advance()
            guard let next = try peekNonSpace() else { throw endOfInput("expected a value") }
            if next == close { throw error("trailing comma") }
        }
        return true
    }

    /// Reads an object key and the `:` after it; returns the key and its raw bytes (with the quotes).
    mutating func readKey() throws -> (key: String, raw: [UInt8]) {
        guard let byte = try peekNonSpace() else { throw endOfInput("expected a key") }
        guard byte == quote else { throw error("expected a key string") }
        let raw = try capture()
        let key: String
        if raw.contains(backslash) {
            key = try JSONParser.parse(raw).string ?? ""
        } else {
            key = String(decoding: raw[1..<(raw.count - 1)], as: UTF8.self)
        }
        guard let separator = try peekNonSpace() else { throw endOfInput("expected ':'") }
        guard separator == colon else { throw error("expected ':' after key") }
        advance()
        return (key, raw)
    }

    /// Reads an object key and the `:` after it, as `readKey()`, without keeping the raw bytes.
    mutating func readKeyName() throws -> String {
        guard let byte = try peekNonSpace() else { throw endOfInput("expected a key") }
        guard byte == quote else { throw error("expected a key string") }
        // The common case: a key without escapes that lies wholly in the buffer.
        let (from, to) = (start + 1, end)
        let close = buffer.withUnsafeBufferPointer { bytes -> Int? in
            var index = from
            while index < to {
                let byte = bytes[index]
                if byte == quote { return index }
                if byte == backslash { return nil }
                index += 1
            }
            return nil
        }
        guard let close else { return try readKey().key }
        let key = buffer.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[from..<close]), as: UTF8.self)
        }
        start = close + 1
        guard let separator = try peekNonSpace() else { throw endOfInput("expected ':'") }
        guard separator == colon else { throw error("expected ':' after key") }
        advance()
        return key
    }

    /// The next value as a record field if it is a scalar; `nil`, with the value skipped, for an array or object.
    ///
    /// The same as `fieldOfCapture(capture())`, which it falls back on, but a scalar that lies wholly in the buffer is
    /// read in place.
    mutating func scalarField() throws -> FieldValue? {
        guard let first = try peekNonSpace() else { throw endOfInput("expected a value") }
        if first == openBrace || first == openBracket {
            try skip()
            return nil
        }
        let (from, to) = (start, end)
        let parsed = buffer.withUnsafeBufferPointer { bytes -> (FieldValue, Int)? in
            guard let base = bytes.baseAddress else { return nil }
            var index = from
            if first == quote {
                index += 1
                while index < to && base[index] != quote { index += base[index] == backslash ? 2 : 1 }
                guard index < to else { return nil }
                index += 1
            } else {
                while index < to {
                    switch base[index] {
                    case 0x20, 0x0A, 0x0D, 0x09, comma, closeBrace, closeBracket: break
                    default:
                        index += 1
                        continue
                    }
                    break
                }
                guard index < to else { return nil }
            }
            return JSONScanner.scalar(base + from, count: index - from).map { ($0, index) }
        }
        guard let (value, next) = parsed else { return try fieldOfCapture(try capture()) }
        start = next
        return value
    }

    /// The raw bytes of the next value.
    mutating func capture() throws -> [UInt8] {
        var out: [UInt8] = []
        try scan(into: &out, depth: 0, keep: true)
        return out
    }

    /// Appends the raw bytes of the next value, or with `depth` > 0 the rest of `depth` open containers
    /// (through the last closing bracket), to `out`.
    mutating func capture(into out: inout [UInt8], depth: Int = 0) throws {
        try scan(into: &out, depth: depth, keep: true)
    }

    /// Skips the next value.
    mutating func skip() throws {
        var unused: [UInt8] = []
        try scan(into: &unused, depth: 0, keep: false)
    }

    /// Scans a value by bracket depth and string state only (the record's parser validates it).
    ///
    /// The hot loops look at raw bytes: inside a string only `"` and `\\` matter, outside only `"` and the four
    /// brackets; each buffer's part of the value is appended to `out` in one copy.
    private mutating func scan(into out: inout [UInt8], depth initialDepth: Int, keep: Bool) throws {
        var state = ScanState(depth: initialDepth)
        if initialDepth == 0 {
            guard let first = try peekNonSpace() else { throw endOfInput("expected a value") }
            switch first {
            case openBrace, openBracket, quote: break
            case closeBrace, closeBracket, comma, colon: throw error("expected a value")
            default: state.scalar = true
            }
        }
        while !state.finished {
            if start == end {
                guard try fill() else {
                    if state.scalar { return }
                    throw endOfInput(state.inString ? "inside a string" : "inside a value")
                }
            }
            let (from, to) = (start, end)
            let stop = buffer.withUnsafeBufferPointer { bytes -> Int in
                guard let base = bytes.baseAddress else { return to }
                let index = state.scalar ? scanScalar(base, from, to, &state) : scanNested(base, from, to, &state)
                if keep { out.append(contentsOf: UnsafeBufferPointer(start: base + from, count: index - from)) }
                return index
            }
            start = stop
        }
    }
}

/// Where `JSONByteCursor.scan` stands in a value, kept across buffer refills.
private struct ScanState {
    var depth: Int
    var inString = false
    /// A backslash ended the last buffer: the first byte of the next one is escaped.
    var escaped = false
    var scalar = false
    var finished = false

    init(depth: Int) { self.depth = depth }
}

/// Scans a scalar (number or literal) in `base[from..<to]`; returns where it stopped.
@inline(__always)
private func scanScalar(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ state: inout ScanState) -> Int {
    var index = from
    while index < to {
        switch base[index] {
        case 0x20, 0x0A, 0x0D, 0x09, comma, closeBrace, closeBracket:
            state.finished = true
            return index
        default:
            index += 1
        }
    }
    return index
}

/// Scans strings and containers in `base[from..<to]` until the value closes; returns where it stopped.
///
/// Inside a container, 64-byte blocks without a backslash are classified at once (`JSONBlockMasks`): the bytes
/// inside strings are the prefix XOR of the quote bits, and the depth changes by the bracket counts unless it
/// could reach 0 in the block, which is then walked bit by bit. Other bytes go through `scanBytes`.
@inline(__always)
private func scanNested(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ state: inout ScanState) -> Int {
    var index = from
    if state.escaped {
        state.escaped = false
        index += 1
    }
    while index < to {
        if state.depth > 0 {
            while index + 64 <= to {
                let masks = JSONBlockMasks(base + index)
                if masks.backslash != 0 { break }
                let inside = prefixXOR(masks.quote) ^ (state.inString ? ~0 : 0)
                state.inString = inside >> 63 != 0
                let opens = masks.open & ~inside
                let closes = masks.close & ~inside
                let closeCount = closes.nonzeroBitCount
                if state.depth > closeCount {
                    state.depth += opens.nonzeroBitCount - closeCount
                    index += 64
                    continue
                }
                // Bracket by bracket, without a branch on which kind it is.
                var brackets = opens | closes
                var depth = state.depth
                while brackets != 0 {
                    let bit = brackets.trailingZeroBitCount
                    depth += Int(truncatingIfNeeded: opens &>> UInt64(bit) & 1) &* 2 &- 1
                    if depth <= 0 {
                        state.depth = depth
                        state.finished = true
                        return index + bit + 1
                    }
                    brackets &= brackets &- 1
                }
                state.depth = depth
                index += 64
            }
        }
        index = scanBytes(base, index, min(index + 64, to), to, &state)
        if state.finished || state.escaped { return index }
    }
    return index
}

/// XOR of each bit with all lower bits: bit i is set when an odd number of bits 0…i are.
@inline(__always)
private func prefixXOR(_ bits: UInt64) -> UInt64 {
    var value = bits
    value ^= value << 1
    value ^= value << 2
    value ^= value << 4
    value ^= value << 8
    value ^= value << 16
    value ^= value << 32
    return value
}

/// Scans byte by byte from `from` until at least `limit` (an escape may carry one byte past it) or the value
/// closes; a backslash as the last byte before `to` sets `state.escaped`.
@inline(__always)
private func scanBytes(
    _ base: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, _ to: Int, _ state: inout ScanState
) -> Int {
    var index = from
    var depth = state.depth
    var inString = state.inString
    defer {
        state.depth = depth
        state.inString = inString
    }
    while index < limit {
        let byte = base[index]
        index += 1
        if inString {
            if byte == backslash {
                index += 1
                if index > to {
                    state.escaped = true
                    return to
                }
            } else if byte == quote {
                inString = false
                if depth == 0 {
                    state.finished = true
                    return index
                }
            }
        } else if byte == quote {
            inString = true
        } else if (byte | 0x20) == openBrace {
            depth += 1
        } else if (byte | 0x20) == closeBrace {
            depth -= 1
            if depth <= 0 {
                state.finished = true
                return index
            }
        }
    }
    return index
}

/// Bit masks of one 64-byte block: bit i is set when byte i is a quote, a backslash, `{` or `[`, `}` or `]`.
private struct JSONBlockMasks {
    var quote: UInt64 = 0
    var backslash: UInt64 = 0
    var open: UInt64 = 0
    var close: UInt64 = 0

    #if arch(x86_64)
        @inline(__always)
        init(_ pointer: UnsafePointer<UInt8>) {
            let quotes = _mm_set1_epi8(CChar(bitPattern: quoteByte))
            let backslashes = _mm_set1_epi8(CChar(bitPattern: backslashByte))
            let caseBit = _mm_set1_epi8(0x20)
            let opens = _mm_set1_epi8(CChar(bitPattern: openByte))
            let closes = _mm_set1_epi8(CChar(bitPattern: closeByte))
            let raw = UnsafeRawPointer(pointer)
            for part in 0..<4 {
                let vector = _mm_loadu_si128(raw.advanced(by: 16 * part).assumingMemoryBound(to: __m128i.self))
                let folded = _mm_or_si128(vector, caseBit)
                let shift = UInt64(16 * part)
                quote |= UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(_mm_cmpeq_epi8(vector, quotes)))) << shift
                backslash |=
                    UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(_mm_cmpeq_epi8(vector, backslashes)))) << shift
                open |= UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(_mm_cmpeq_epi8(folded, opens)))) << shift
                close |= UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(_mm_cmpeq_epi8(folded, closes)))) << shift
            }
        }
    #else
        @inline(__always)
        init(_ pointer: UnsafePointer<UInt8>) {
            for offset in 0..<64 {
                let byte = pointer[offset]
                let bit = UInt64(1) << UInt64(offset)
                if byte == quoteByte { quote |= bit }
                if byte == backslashByte { backslash |= bit }
                if byte | 0x20 == openByte { open |= bit }
                if byte | 0x20 == closeByte { close |= bit }
            }
        }
    #endif
}

// The bytes again, under names that `JSONBlockMasks`' members do not shadow.
private let quoteByte = UInt8(ascii: "\"")
private let backslashByte = UInt8(ascii: "\\")
private let openByte = UInt8(ascii: "{")
private let closeByte = UInt8(ascii: "}")
