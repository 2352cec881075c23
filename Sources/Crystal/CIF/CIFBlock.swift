/// The data items of one CIF data block, as byte ranges into its text: single tag–value pairs and loops.
///
/// Tags are compared in a normal form: ASCII lowercase, with `.` read as `_`, so the DDLm spelling
/// `_atom_site.fract_x` matches `_atom_site_fract_x`.
struct CIFBlock {
    /// One value: its bytes `start..<end`, kind and 1-based line.
    struct Value {
        var start: Int
        var end: Int
        var kind: CIFTokenizer.Kind
        var line: Int
    }

    /// A `loop_`: its tags and its values, row by row.
    struct Loop {
        var tags: [String]
        var values: [Value]
        var line: Int
    }

    /// The block's name, the text after `data_`.
    var name: String
    /// The single (not looped) items, by normalised tag.
    var items: [String: Value] = [:]
    /// The loops in order.
    var loops: [Loop] = []
    /// Where each looped tag is: its loop and column.
    var loopedTags: [String: (loop: Int, column: Int)] = [:]

    /// Reads the data block in `bytes`, which holds exactly one `data_` header (comments and blank lines
    /// may precede it).
    ///
    /// - Throws: `CrystalError.malformed` for a missing header, a second block, a tag without a value, a
    ///   value without a tag, an empty loop header, or a loop whose value count is not a multiple of its
    ///   tag count.
    init(bytes: UnsafeBufferPointer<UInt8>) throws {
        var tokenizer = CIFTokenizer(bytes)
        guard let header = try tokenizer.next() else {
            throw CrystalError.malformed(format: "CIF", line: nil, message: "no data_ block")
        }
        guard header.kind == .data else {
            throw CrystalError.malformed(
                format: "CIF", line: header.line,
                message: "expected a data_ block header, found '\(text(bytes, header.start, header.end, limit: 40))'")
        }
        name = text(bytes, header.start, header.end)
        var pending = try tokenizer.next()
        while let token = pending {
            switch token.kind {
            case .tag:
                let tag = normalizedTag(bytes, token)
                guard let value = try tokenizer.next(), value.kind.isValue else {
                    throw CrystalError.malformed(format: "CIF", line: token.line, message: "tag \(tag) has no value")
                }
                items[tag] = Value(start: value.start, end: value.end, kind: value.kind, line: value.line)
                pending = try tokenizer.next()
            case .loop:
                pending = try readLoop(bytes, &tokenizer, at: token.line)
            case .bare, .quoted, .textField:
                throw CrystalError.malformed(
                    format: "CIF", line: token.line,
                    message: "value '\(text(bytes, token.start, token.end, limit: 40))' has no tag")
            case .data:
                throw CrystalError.malformed(
                    format: "CIF", line: token.line,
                    message: "second data block data_\(text(bytes, token.start, token.end, limit: 40)) "
                        + "(split multi-block files with CIFBlockSplitter)")
            case .ignored:
                pending = try tokenizer.next()
            }
        }
    }

    /// Reads a loop whose `loop_` was just read; returns the token after it.
    private mutating func readLoop(
        _ bytes: UnsafeBufferPointer<UInt8>, _ tokenizer: inout CIFTokenizer, at line: Int
    ) throws -> CIFTokenizer.Token? {
        var tags: [String] = []
        var pending = try tokenizer.next()
        while let token = pending, token.kind == .tag {
            tags.append(normalizedTag(bytes, token))
            pending = try tokenizer.next()
        }
        guard !tags.isEmpty else {
            throw CrystalError.malformed(format: "CIF", line: line, message: "loop_ without tags")
        }
        var values: [Value] = []
        while let token = pending, token.kind.isValue {
            values.append(Value(start: token.start, end: token.end, kind: token.kind, line: token.line))
            pending = try tokenizer.next()
        }
        guard values.count % tags.count == 0 else {
            let names = tags.count > 3 ? tags.prefix(3).joined(separator: ", ") + ", …" : tags.joined(separator: ", ")
            throw CrystalError.malformed(
                format: "CIF", line: line,
                message: "loop_ with \(tags.count) tags (\(names)) has \(values.count) values, "
                    + "not a multiple of \(tags.count)")
        }
        for (column, tag) in tags.enumerated() { loopedTags[tag] = (loops.count, column) }
        loops.append(Loop(tags: tags, values: values, line: line))
        return pending
    }

    /// The table holding `tag`, or `nil` when the block has no `tag`.
    ///
    /// That is `tag`'s loop or, when `tag` is a single item, a one-row table of the single items whose tags
    /// start with `category`.
    func table(containing tag: String, category: String) -> CIFTable? {
        if let (loop, _) = loopedTags[tag] {
            let loop = loops[loop]
            return CIFTable(tags: loop.tags, values: loop.values, line: loop.line)
        }
        guard let value = items[tag] else { return nil }
        let members = items.filter { $0.key.hasPrefix(category) }
        return CIFTable(tags: Array(members.keys), values: Array(members.values), line: value.line)
    }
}

/// Rows and columns of values: a loop, or single items seen as one row.
struct CIFTable {
    /// The column tags.
    var tags: [String]
    /// The values, row by row.
    var values: [CIFBlock.Value]
    /// The line the table starts on.
    var line: Int

    /// The number of rows.
    var rowCount: Int { tags.isEmpty ? 0 : values.count / tags.count }

    /// The column of `tag`, or `nil`.
    func column(_ tag: String) -> Int? { tags.firstIndex(of: tag) }

    /// The value in `row` and `column`.
    func value(row: Int, column: Int) -> CIFBlock.Value { values[row * tags.count + column] }
}

/// The bytes `start..<end` as a string, cut to `limit` characters with `…` when longer.
func text(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, limit: Int = .max) -> String {
    let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    return string.count > limit ? string.prefix(limit) + "…" : string
}

/// A tag token in normal form: ASCII lowercase, `.` replaced by `_`.
private func normalizedTag(_ bytes: UnsafeBufferPointer<UInt8>, _ token: CIFTokenizer.Token) -> String {
    String(unsafeUninitializedCapacity: token.end - token.start) { buffer in
        for offset in 0..<(token.end - token.start) {
            let byte = asciiLowercase(bytes[token.start + offset])
            buffer[offset] = byte == UInt8(ascii: ".") ? UInt8(ascii: "_") : byte
        }
        return token.end - token.start
    }
}
