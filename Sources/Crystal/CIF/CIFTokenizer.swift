/// Splits the UTF-8 bytes of CIF text into tokens: tags, values and reserved words (CIF 1.1 rules).
///
/// Whitespace separates tokens; `#` at the start of a token begins a comment to the end of the line; a
/// quoted value starts with `'` or `"` and ends at the same quote followed by whitespace; a line starting
/// with `;` opens a text field that the next line starting with `;` closes. Tokens are byte ranges into
/// the input, so nothing is copied.
struct CIFTokenizer {
    /// What a token is.
    enum Kind: Equatable {
        /// A data name, `_cell_length_a`.
        case tag
        /// A value without quotes, e.g. `1.234(5)`, `Fe1`, `?`.
        case bare
        /// A value in single or double quotes (the range excludes the quotes).
        case quoted
        /// A semicolon text field (the range excludes the delimiting `;` lines).
        case textField
        /// `loop_`.
        case loop
        /// `data_NAME` (the range is `NAME`).
        case data
        /// `save_…`, `global_` or `stop_`, which a structure reader skips.
        case ignored

        /// Whether the token is a value.
        var isValue: Bool { self == .bare || self == .quoted || self == .textField }
    }

    /// One token: its kind, its bytes `start..<end` in the input and the 1-based line it starts on.
    struct Token {
        var kind: Kind
        var start: Int
        var end: Int
        var line: Int
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var atLineStart = true
    /// The 1-based line of the reading position.
    private(set) var line = 1

    /// A tokenizer over `bytes`, which must stay valid while it is used.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The next token, or `nil` at the end of the input.
    ///
    /// - Throws: `CrystalError.malformed` for an unterminated quoted value or text field.
    mutating func next() throws -> Token? {
        let count = bytes.count
        while position < count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                position += 1
                atLineStart = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                position += 1
                atLineStart = false
            case UInt8(ascii: "#"):
                while position < count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            case UInt8(ascii: ";") where atLineStart:
                return try textField()
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return try quoted(byte)
            default:
                return bare()
            }
        }
        return nil
    }

    /// A text field opened by the `;` at `position`.
    private mutating func textField() throws -> Token {
        let startLine = line
        let start = position + 1
        var index = start
        let count = bytes.count
        while index < count {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                if index + 1 < count, bytes[index + 1] == UInt8(ascii: ";") {
                    var end = index
                    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    position = index + 2
                    atLineStart = false
                    return Token(kind: .textField, start: start, end: end, line: startLine)
                }
            }
            index += 1
        }
        throw CrystalError.malformed(
            format: "CIF", line: startLine, message: "text field opened by ';' is never closed")
    }

    /// A value in `quote`s starting at `position`.
    private mutating func quoted(_ quote: UInt8) throws -> Token {
        let start = position + 1
        var index = start
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == quote, index + 1 == count || isWhitespace(bytes[index + 1]) {
                position = index + 1
                atLineStart = false
                return Token(kind: .quoted, start: start, end: index, line: line)
            }
            if byte == UInt8(ascii: "\n") { break }
            index += 1
        }
        throw CrystalError.malformed(
            format: "CIF", line: line,
            message: "quoted value \(quote == UInt8(ascii: "'") ? "'" : "\"")… is not closed on its line")
    }

    /// A token without quotes starting at `position`: a tag, a reserved word or a bare value.
    private mutating func bare() -> Token {
        let start = position
        let count = bytes.count
        var end = start
        while end < count, !isWhitespace(bytes[end]) { end += 1 }
        position = end
        atLineStart = false
        var token = Token(kind: .bare, start: start, end: end, line: line)
        if bytes[start] == UInt8(ascii: "_") {
            token.kind = .tag
        } else if hasPrefix("data_", at: start, end: end) {
            token.kind = .data
            token.start += 5
        } else if end - start == 5, hasPrefix("loop_", at: start, end: end) {
            token.kind = .loop
        } else if hasPrefix("save_", at: start, end: end)
            || (end - start == 7 && hasPrefix("global_", at: start, end: end))
            || (end - start == 5 && hasPrefix("stop_", at: start, end: end))
        {
            token.kind = .ignored
        }
        return token
    }

    /// Whether the bytes `start..<end` begin with the lowercase ASCII `prefix`, in any case.
    private func hasPrefix(_ prefix: StaticString, at start: Int, end: Int) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard end - start >= length else { return false }
        let expected = prefix.utf8Start
        for offset in 0..<length where asciiLowercase(bytes[start + offset]) != expected[offset] {
            return false
        }
        return true
    }
}

/// Whether `byte` separates CIF tokens (space, tab, CR, LF, vertical tab, form feed).
@inline(__always) func isWhitespace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || (byte >= 0x09 && byte <= 0x0D)
}

/// `byte` with ASCII `A`–`Z` mapped to `a`–`z`.
@inline(__always) func asciiLowercase(_ byte: UInt8) -> UInt8 {
    byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
}
