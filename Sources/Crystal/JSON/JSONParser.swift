import Foundation

/// A fast parser from UTF-8 bytes to `JSONValue` (RFC 8259, plus `NaN`, `Infinity` and `-Infinity`).
///
/// Strings without escapes are decoded straight from the input; numbers with at most 15–16 significant
/// digits and a small exponent are converted exactly with one multiplication or division (Clinger's fast
/// path), others with `strtod`. Invalid UTF-8 inside strings is repaired with U+FFFD rather than rejected.
/// Errors are `CrystalError.malformed(format: "JSON", line: nil, message: "… at byte N")`, N counted from 0.
public enum JSONParser {
    /// The deepest nesting of arrays and objects accepted (deeper input is rejected, not a stack overflow).
    public static let maximumDepth = 512

    /// Parses one JSON value; only whitespace may follow it.
    ///
    /// - Throws: `CrystalError.malformed` on invalid or truncated input.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected content after the value") }
        return value
    }

    /// Parses one JSON value from `bytes`; only whitespace may follow it.
    ///
    /// - Throws: `CrystalError.malformed` on invalid or truncated input.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    /// Parses one JSON value from `bytes`; only whitespace may follow it.
    ///
    /// Byte offsets in errors count from the start of the slice.
    ///
    /// - Throws: `CrystalError.malformed` on invalid or truncated input.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    /// Parses one JSON value from the UTF-8 of `text`.
    ///
    /// - Throws: `CrystalError.malformed` on invalid or truncated input.
    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse(UnsafeRawBufferPointer($0)) }
    }
}

// MARK: - The parser proper

/// 10^`exponent` for 0 ≤ `exponent` ≤ 22, where every power is exact in a `Double`.
private func powerOfTen(_ exponent: Int) -> Double {
    switch exponent {
    case 0: return 1e0
    case 1: return 1e1
    case 2: return 1e2
    case 3: return 1e3
    case 4: return 1e4
    case 5: return 1e5
    case 6: return 1e6
    case 7: return 1e7
    case 8: return 1e8
    case 9: return 1e9
    case 10: return 1e10
    case 11: return 1e11
    case 12: return 1e12
    case 13: return 1e13
    case 14: return 1e14
    case 15: return 1e15
    case 16: return 1e16
    case 17: return 1e17
    case 18: return 1e18
    case 19: return 1e19
    case 20: return 1e20
    case 21: return 1e21
    default: return 1e22
    }
}

/// A cursor over the input with the recursive-descent rules.
private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var depth = 0
    /// Elements of the arrays being parsed, innermost last.
    let elementStack = MoveStack<JSONValue>()
    /// Members of the objects being parsed, innermost last.
    let memberStack = MoveStack<JSONValue.Member>()

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func error(_ message: String, at offset: Int? = nil) -> CrystalError {
        .malformed(format: "JSON", line: nil, message: "\(message) at byte \(offset ?? position)")
    }

    /// An error for the byte at `position`: "unexpected end of input" when there is none.
    func unexpected(_ expectation: String) -> CrystalError {
        guard position < bytes.count else { return error("unexpected end of input (\(expectation))") }
        return error("unexpected \(describe(bytes[position])), \(expectation)")
    }

    mutating func skipWhitespace() {
        var index = position
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default:
                position = index
                return
            }
        }
        position = index
    }

    mutating func parseValue() throws -> JSONValue {
        guard position < bytes.count else { throw unexpected("expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case quote: return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "N"):
            try expectLiteral("NaN")
            return .number(.nan)
        case UInt8(ascii: "I"):
            try expectLiteral("Infinity")
            return .number(.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw unexpected("expected a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        guard position + count <= bytes.count else {
            throw error("unexpected end of input (expected '\(literal)')")
        }
        for offset in 0..<count where bytes[position + offset] != start[offset] {
            throw error("invalid literal (expected '\(literal)')")
        }
        position += count
        try requireDelimiter()
    }

    /// After a literal or number: the next byte must end the token (so `truex` and `12a` are errors).
    func requireDelimiter() throws {
        guard position < bytes.count else { return }
        switch bytes[position] {
        case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"): return
        default: throw unexpected("expected ',', ']' or '}'")
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > JSONParser.maximumDepth { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
    }

    mutating func parseObject() throws -> JSONValue {
        try enter()
        position += 1
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object([])
        }
        // Members go on a shared stack and are copied out once, so each object allocates exactly once.
        let base = memberStack.count
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == quote else { throw unexpected("expected a key string") }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw unexpected("expected ':'")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            memberStack.push(JSONValue.Member(key, value))
            skipWhitespace()
            guard position < bytes.count else { throw unexpected("expected ',' or '}'") }
            switch bytes[position] {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(memberStack.pop(from: base))
            default:
                throw unexpected("expected ',' or '}'")
            }
        }
    }

    mutating func parseArray() throws -> JSONValue {
        try enter()
        position += 1
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array([])
        }
        let base = elementStack.count
        while true {
            skipWhitespace()
            let value = try parseValue()
            elementStack.push(value)
            skipWhitespace()
            guard position < bytes.count else { throw unexpected("expected ',' or ']'") }
            switch bytes[position] {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elementStack.pop(from: base))
            default:
                throw unexpected("expected ',' or ']'")
            }
        }
    }

    /// Parses a string starting at the opening quote.
    mutating func parseString() throws -> String {
        let start = position + 1
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                position = index + 1
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                return knownString(text) ?? String(decoding: text, as: UTF8.self)
            }
            if byte == backslash { break }
            if byte < 0x20 { throw error("control character in string", at: index) }
            index += 1
        }
        guard index < bytes.count else { throw error("unexpected end of input (unterminated string)", at: index) }
        // Escapes: copy what came before and decode the rest byte by byte.
        var utf8 = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        position = index
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case quote:
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case backslash:
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw error("control character in string")
            default:
                utf8.append(byte)
                position += 1
            }
        }
        throw error("unexpected end of input (unterminated string)")
    }

    /// Decodes the escape at `position` (a backslash) and appends its UTF-8.
    mutating func parseEscape(into utf8: inout [UInt8]) throws {
        guard position + 1 < bytes.count else { throw error("unexpected end of input (unterminated escape)") }
        let letter = bytes[position + 1]
        position += 2
        switch letter {
        case quote, backslash, UInt8(ascii: "/"): utf8.append(letter)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == backslash, bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("unpaired high surrogate \\u\(hex(scalar))") }
                position += 2
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw error("high surrogate \\u\(hex(scalar)) followed by \\u\(hex(low))")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("unpaired low surrogate \\u\(hex(scalar))")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid code point") }
            utf8.append(contentsOf: unicode.utf8)
        default:
            throw error("invalid escape '\\\(describeRaw(letter))'", at: position - 2)
        }
    }

    /// Four hexadecimal digits at `position`.
    mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("unexpected end of input (truncated \\u escape)") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hexadecimal digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Parses a number (or `-Infinity`) starting at `position`.
    mutating func parseNumber() throws -> Double {
        let start = position
        let end = bytes.count
        var index = position
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative {
            index += 1
            if index < end && bytes[index] == UInt8(ascii: "I") {
                position = index
                try expectLiteral("Infinity")
                return -.infinity
            }
        }
        // Digits accumulate into `mantissa`, which cannot overflow while there are at most 19 of them.
        var mantissa: UInt64 = 0
        let integerStart = index
        while index < end, case let digit = bytes[index] &- UInt8(ascii: "0"), digit < 10 {
            mantissa = mantissa &* 10 &+ UInt64(digit)
            index += 1
        }
        var digitCount = index - integerStart
        guard index > integerStart else {
            position = index
            throw unexpected("expected a digit")
        }
        if index - integerStart > 1 && bytes[integerStart] == UInt8(ascii: "0") {
            throw error("leading zero in number", at: start)
        }
        var exponent = 0
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < end, case let digit = bytes[index] &- UInt8(ascii: "0"), digit < 10 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                index += 1
            }
            digitCount += index - fractionStart
            guard index > fractionStart else {
                position = index
                throw unexpected("expected a digit after '.'")
            }
            exponent = fractionStart - index
        }
        if index < end && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            var explicit = 0
            while index < end, case let digit = bytes[index] &- UInt8(ascii: "0"), digit < 10 {
                if explicit < 100_000 { explicit = explicit * 10 + Int(digit) }
                index += 1
            }
            guard index > exponentStart else {
                position = index
                throw unexpected("expected a digit in the exponent")
            }
            exponent += exponentNegative ? -explicit : explicit
        }
        position = index
        try requireDelimiter()
        return jsonNumberValue(
            mantissa: mantissa, exponent: exponent, digitCount: digitCount, negative: negative,
            text: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
    }
}

/// The `Double` nearest to a validated JSON number, given its digits as scanned.
///
/// `mantissa` holds the significant digits (wrapped if there are more than 19 of them), `exponent` the power of
/// ten to apply to it, `digitCount` how many digits went into it and `text` the whole number with its sign.
/// Shared by `JSONParser` and the direct structure decoder so both give bit-identical values.
@inline(__always)
func jsonNumberValue(
    mantissa: UInt64, exponent: Int, digitCount: Int, negative: Bool, text: UnsafeRawBufferPointer
) -> Double {
    // Clinger's fast path: mantissa and 10^|exponent| exact in a Double, so one correctly rounded operation.
    if digitCount <= 19 && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
        var value = Double(mantissa)
        if exponent < 0 {
            value /= powerOfTen(-exponent)
        } else {
            value *= powerOfTen(exponent)
        }
        return negative ? -value : value
    }
    return slowNumber(text)
}

/// `strtod` on a NUL-terminated copy of already validated number text.
@inline(never)
private func slowNumber(_ text: UnsafeRawBufferPointer) -> Double {
    let count = text.count
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
        for offset in 0..<count { buffer[offset] = CChar(bitPattern: text[offset]) }
        buffer[count] = 0
        guard let start = buffer.baseAddress else { return .nan }
        return strtod(start, nil)
    }
}

/// The keys of pymatgen structure dicts as string literals, which cost nothing to create (a decoded `String`
/// costs a UTF-8 validation); `nil` for other text.
private func knownString(_ text: UnsafeRawBufferPointer) -> String? {
    @inline(__always) func matches(_ literal: StaticString) -> Bool {
        guard let base = text.baseAddress else { return false }
        return memcmp(base, literal.utf8Start, text.count) == 0
    }
    switch (text.count, text.first ?? 0) {
    case (1, UInt8(ascii: "a")): return "a"
    case (1, UInt8(ascii: "b")): return "b"
    case (1, UInt8(ascii: "c")): return "c"
    case (3, UInt8(ascii: "a")): return matches("abc") ? "abc" : nil
    case (3, UInt8(ascii: "x")): return matches("xyz") ? "xyz" : nil
    case (3, UInt8(ascii: "p")): return matches("pbc") ? "pbc" : nil
    case (4, UInt8(ascii: "o")): return matches("occu") ? "occu" : nil
    case (4, UInt8(ascii: "b")): return matches("beta") ? "beta" : nil
    case (5, UInt8(ascii: "l")): return matches("label") ? "label" : nil
    case (5, UInt8(ascii: "s")): return matches("sites") ? "sites" : nil
    case (5, UInt8(ascii: "a")): return matches("alpha") ? "alpha" : nil
    case (5, UInt8(ascii: "g")): return matches("gamma") ? "gamma" : nil
    case (6, UInt8(ascii: "m")): return matches("magmom") ? "magmom" : matches("matrix") ? "matrix" : nil
    case (6, UInt8(ascii: "c")): return matches("charge") ? "charge" : nil
    case (6, UInt8(ascii: "v")): return matches("volume") ? "volume" : nil
    case (6, UInt8(ascii: "@")): return matches("@class") ? "@class" : nil
    case (7, UInt8(ascii: "s")): return matches("species") ? "species" : nil
    case (7, UInt8(ascii: "e")): return matches("element") ? "element" : nil
    case (7, UInt8(ascii: "l")): return matches("lattice") ? "lattice" : nil
    case (7, UInt8(ascii: "@")): return matches("@module") ? "@module" : nil
    case (10, UInt8(ascii: "p")): return matches("properties") ? "properties" : nil
    default: return nil
    }
}

/// A byte for an error message: `'x'` for printable ASCII, else `byte 0xNN`.
private func describe(_ byte: UInt8) -> String {
    (0x21..<0x7F).contains(byte) ? "'\(describeRaw(byte))'" : String(format: "byte 0x%02x", byte)
}

private func describeRaw(_ byte: UInt8) -> String { String(UnicodeScalar(byte)) }

private func hex(_ value: UInt32) -> String { String(format: "%04X", value) }

/// A stack of the elements of the containers being parsed: each container's array is allocated once at its
/// final size, and its elements are moved into it, not copied.
private final class MoveStack<Element> {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity = 64
    private(set) var count = 0

    init() { storage = .allocate(capacity: capacity) }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func push(_ element: consuming Element) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = grown
            capacity *= 2
        }
        (storage + count).initialize(to: element)
        count += 1
    }

    /// Removes the elements from `base` to the top and returns them in order.
    func pop(from base: Int) -> [Element] {
        let popped = count - base
        count = base
        // `reserveCapacity` and `append` take specialised paths; `Array(unsafeUninitializedCapacity:)` and
        // `Array(repeating:count:)` look up the array's type metadata at run time on every call.
        var elements: [Element] = []
        elements.reserveCapacity(popped)
        for offset in 0..<popped { elements.append((storage + base + offset).move()) }
        return elements
    }
}
