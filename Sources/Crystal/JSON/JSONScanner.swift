import Foundation

/// The direct decoders gave up on their input: it is not in the shape they handle (or not valid JSON), and the
/// general `JSONParser` path must decide what it is and, if needed, report the error.
struct JSONBail: Error {}

/// A pull tokenizer over UTF-8 JSON for decoders that read a few members and skip the rest.
///
/// It accepts exactly what `JSONParser` accepts or less: every value it skips is validated to the same grammar
/// (numbers, literals, escapes, control characters, nesting), and anything it does not handle — a key with an
/// escape, a container nested deeper than `maximumSkipDepth` — throws `JSONBail`. Numbers convert with the same
/// `jsonNumberValue` as `JSONParser`, so values are bit-identical. Whitespace is skipped before every token.
struct JSONScanner {
    /// How deep a skipped value may nest before the scanner gives up (`JSONParser` allows 512 in all).
    static let maximumSkipDepth = 64

    let base: UnsafePointer<UInt8>
    let count: Int
    var position = 0

    /// A scanner over `base[0..<count]`.
    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// Whether only whitespace is left.
    var atEnd: Bool {
        mutating get {
            skipSpace()
            return position == count
        }
    }

    @inline(__always)
    mutating func skipSpace() {
        while position < count {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next byte that is not whitespace, not consumed.
    @inline(__always)
    mutating func peek() throws(JSONBail) -> UInt8 {
        skipSpace()
        guard position < count else { throw JSONBail() }
        return base[position]
    }

    /// Consumes `byte`, the next byte that is not whitespace.
    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(JSONBail) {
        guard try peek() == byte else { throw JSONBail() }
        position += 1
    }

    /// Consumes `{`; `false` (with the `}` consumed) for an empty object.
    @inline(__always)
    mutating func beginObject() throws(JSONBail) -> Bool {
        try expect(openBrace)
        guard try peek() == closeBrace else { return true }
        position += 1
        return false
    }

    /// Consumes `[`; `false` (with the `]` consumed) for an empty array.
    @inline(__always)
    mutating func beginArray() throws(JSONBail) -> Bool {
        try expect(openBracket)
        guard try peek() == closeBracket else { return true }
        position += 1
        return false
    }

    /// After a member or element: consumes `,` and returns `true`, or consumes `close` and returns `false`.
    @inline(__always)
    mutating func more(close: UInt8) throws(JSONBail) -> Bool {
        let byte = try peek()
        position += 1
        if byte == comma { return true }
        guard byte == close else { throw JSONBail() }
        return false
    }

    /// Reads a key without escapes and the `:` after it; returns the key's bytes (offset and length).
    @inline(__always)
    mutating func key() throws(JSONBail) -> JSONKey {
        let bytes = try plainString()
        try expect(colon)
        guard let start = bytes.baseAddress else { throw JSONBail() }
        return JSONKey(base: start.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    /// A string without escapes: its bytes between the quotes.
    @inline(__always)
    mutating func plainString() throws(JSONBail) -> UnsafeRawBufferPointer {
        try expect(quote)
        let start = position
        var index = position
        while true {
            guard index < count else { throw JSONBail() }
            let byte = base[index]
            if byte == quote { break }
            guard byte != backslash && byte >= 0x20 else { throw JSONBail() }
            index += 1
        }
        position = index + 1
        return UnsafeRawBufferPointer(start: base + start, count: index - start)
    }

    /// A number (not `NaN` or `±Infinity`, which throw), exactly as `JSONParser` converts it.
    @inline(__always)
    mutating func number() throws(JSONBail) -> Double {
        skipSpace()
        let start = position
        var index = position
        let negative = index < count && base[index] == minus
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        let integerStart = index
        index = digits(from: index, into: &mantissa)
        var digitCount = index - integerStart
        guard digitCount > 0 && (digitCount == 1 || base[integerStart] != zero) else { throw JSONBail() }
        var exponent = 0
        if index < count && base[index] == dot {
            index += 1
            let fractionStart = index
            index = digits(from: index, into: &mantissa)
            guard index > fractionStart else { throw JSONBail() }
            digitCount += index - fractionStart
            exponent = fractionStart - index
        }
        if index < count && base[index] | 0x20 == letterE {
            index += 1
            var exponentNegative = false
            if index < count && (base[index] == plus || base[index] == minus) {
                exponentNegative = base[index] == minus
                index += 1
            }
            let exponentStart = index
            var explicit = 0
            while index < count {
                let digit = base[index] &- zero
                if digit >= 10 { break }
                if explicit < 100_000 { explicit = explicit * 10 + Int(digit) }
                index += 1
            }
            guard index > exponentStart else { throw JSONBail() }
            exponent += exponentNegative ? -explicit : explicit
        }
        position = index
        try requireDelimiter()
        return jsonNumberValue(
            mantissa: mantissa, exponent: exponent, digitCount: digitCount, negative: negative,
            text: UnsafeRawBufferPointer(start: base + start, count: index - start))
    }

    /// Reads the run of ASCII digits from `index` into `mantissa`; returns the index after the run.
    ///
    /// Each digit makes `mantissa × 10 + digit`, wrapping past 19 digits as in `JSONParser`. Eight bytes are
    /// looked at a time.
    @inline(__always)
    func digits(from index: Int, into mantissa: inout UInt64) -> Int {
        var index = index
        while index + 8 <= count {
            let (length, value) = leadingDigits(base + index)
            mantissa = mantissa &* powerOfTen(length) &+ value
            index += length
            if length < 8 { return index }
        }
        while index < count {
            let digit = base[index] &- zero
            if digit >= 10 { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            index += 1
        }
        return index
    }

    /// Three numbers in an array, `[x, y, z]`.
    @inline(__always)
    mutating func vector() throws(JSONBail) -> SIMD3<Double> {
        try expect(openBracket)
        let x = try number()
        try expect(comma)
        let y = try number()
        try expect(comma)
        let z = try number()
        try expect(closeBracket)
        return SIMD3(x, y, z)
    }

    /// A scalar as a record field (strings decoded as `JSONParser` decodes them), or `nil` after skipping an
    /// array or object.
    mutating func field() throws(JSONBail) -> FieldValue? {
        switch try peek() {
        case openBrace, openBracket:
            try skipValue()
            return nil
        case quote:
            let tokenStart = position
            try skipString()
            let text = UnsafeRawBufferPointer(start: base + tokenStart + 1, count: position - tokenStart - 2)
            guard text.contains(backslash) else { return .string(String(decoding: text, as: UTF8.self)) }
            let token = UnsafeRawBufferPointer(start: base + tokenStart, count: position - tokenStart)
            guard case .string(let decoded) = try? JSONParser.parse(token) else { throw JSONBail() }
            return .string(decoded)
        case letterT:
            try literal("true")
            return .bool(true)
        case letterF:
            try literal("false")
            return .bool(false)
        case letterN:
            try literal("null")
            return .null
        case capitalN:
            try literal("NaN")
            return .number(.nan)
        case capitalI:
            try literal("Infinity")
            return .number(.infinity)
        default:
            if base[position] == minus && position + 1 < count && base[position + 1] == capitalI {
                position += 1
                try literal("Infinity")
                return .number(-.infinity)
            }
            return .number(try number())
        }
    }

    /// The scalar that is all of `base[0..<count]`, or `nil` if it is anything else (an array, an object,
    /// invalid or followed by more).
    static func scalar(_ base: UnsafePointer<UInt8>, count: Int) -> FieldValue? {
        var scanner = JSONScanner(base: base, count: count)
        guard let value = try? scanner.field(), scanner.atEnd else { return nil }
        return value
    }

    // MARK: - Skipping

    /// Skips one value, validating it as `JSONParser` would.
    mutating func skipValue() throws(JSONBail) {
        try skipValue(depth: 0)
    }

    private mutating func skipValue(depth: Int) throws(JSONBail) {
        switch try peek() {
        case quote:
            try skipString()
        case openBrace:
            guard depth < Self.maximumSkipDepth else { throw JSONBail() }
            guard try beginObject() else { return }
            repeat {
                skipSpace()
                guard position < count && base[position] == quote else { throw JSONBail() }
                try skipString()
                try expect(colon)
                try skipValue(depth: depth + 1)
            } while try more(close: closeBrace)
        case openBracket:
            guard depth < Self.maximumSkipDepth else { throw JSONBail() }
            guard try beginArray() else { return }
            repeat {
                try skipValue(depth: depth + 1)
            } while try more(close: closeBracket)
        case letterT: try literal("true")
        case letterF: try literal("false")
        case letterN: try literal("null")
        case capitalN: try literal("NaN")
        case capitalI: try literal("Infinity")
        case minus where position + 1 < count && base[position + 1] == capitalI:
            position += 1
            try literal("Infinity")
        default:
            try skipNumber()
        }
    }

    /// Skips a string at `position` (its opening quote), validating escapes and rejecting control characters.
    @inline(__always)
    mutating func skipString() throws(JSONBail) {
        var index = position + 1
        while true {
            guard index < count else { throw JSONBail() }
            let byte = base[index]
            if byte == quote { break }
            if byte == backslash {
                index = try skipEscape(at: index)
            } else {
                guard byte >= 0x20 else { throw JSONBail() }
                index += 1
            }
        }
        position = index + 1
    }

    /// Validates the escape at `index` (a backslash) as `JSONParser` decodes it; returns the index after it.
    private func skipEscape(at index: Int) throws(JSONBail) -> Int {
        guard index + 1 < count else { throw JSONBail() }
        switch base[index + 1] {
        case quote, backslash, slash, letterB, letterF, letterN, letterR, letterT:
            return index + 2
        case letterU:
            let scalar = try hex4(at: index + 2)
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 7 < count && base[index + 6] == backslash && base[index + 7] == letterU,
                    (0xDC00..<0xE000).contains(try hex4(at: index + 8))
                else { throw JSONBail() }
                return index + 12
            }
            guard !(0xDC00..<0xE000).contains(scalar) else { throw JSONBail() }
            return index + 6
        default:
            throw JSONBail()
        }
    }

    private func hex4(at index: Int) throws(JSONBail) -> UInt32 {
        guard index + 4 <= count else { throw JSONBail() }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = base[index + offset]
            let digit: UInt8
            switch byte {
            case zero...nine: digit = byte - zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONBail()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Skips a number, validating it to the grammar `number()` accepts.
    @inline(__always)
    private mutating func skipNumber() throws(JSONBail) {
        var index = position
        if index < count && base[index] == minus { index += 1 }
        var unused: UInt64 = 0
        let integerStart = index
        index = digits(from: index, into: &unused)
        guard index > integerStart && (index == integerStart + 1 || base[integerStart] != zero) else {
            throw JSONBail()
        }
        if index < count && base[index] == dot {
            index += 1
            let fractionStart = index
            index = digits(from: index, into: &unused)
            guard index > fractionStart else { throw JSONBail() }
        }
        if index < count && base[index] | 0x20 == letterE {
            index += 1
            if index < count && (base[index] == plus || base[index] == minus) { index += 1 }
            let exponentStart = index
            while index < count && base[index] &- zero < 10 { index += 1 }
            guard index > exponentStart else { throw JSONBail() }
        }
        position = index
        try requireDelimiter()
    }

    /// Consumes `text` at `position`, which must then end the token.
    private mutating func literal(_ text: StaticString) throws(JSONBail) {
        let length = text.utf8CodeUnitCount
        guard position + length <= count, memcmp(base + position, text.utf8Start, length) == 0 else {
            throw JSONBail()
        }
        position += length
        try requireDelimiter()
    }

    /// After a number or literal: the next byte, if any, must be whitespace, `,`, `]` or `}`.
    @inline(__always)
    private func requireDelimiter() throws(JSONBail) {
        guard position < count else { return }
        switch base[position] {
        case 0x20, 0x0A, 0x0D, 0x09, comma, closeBracket, closeBrace: return
        default: throw JSONBail()
        }
    }
}

/// How many of the 8 bytes at `pointer` are ASCII digits before the first that is not, and the number they
/// spell (SWAR: the digit test and the conversion work on all 8 bytes of one `UInt64` at once).
@inline(__always)
private func leadingDigits(_ pointer: UnsafePointer<UInt8>) -> (length: Int, value: UInt64) {
    let word = UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    // A byte is a digit when its high nibble is 3 and stays 3 after adding 6. A carry out of a byte that is
    // not a digit can only disturb the bytes after it, which do not count.
    let nibbles = (word & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030
    let shifted = ((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030
    let other = nibbles | shifted
    let flags = (((other & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | other) & 0x8080_8080_8080_8080
    let length = flags.trailingZeroBitCount >> 3
    guard length > 0 else { return (0, 0) }
    // The digits' values moved to the top bytes (the first digit, the most significant, lowest), zeros before.
    var value = (word &- 0x3030_3030_3030_3030) &<< UInt64(64 - 8 * length)
    // Pairs of digits, then the four pairs, combined with multiplications that cannot carry between lanes.
    value = value &* 10 &+ (value >> 8)
    let lanes: UInt64 = 0x0000_00FF_0000_00FF
    let outer: UInt64 = 0x000F_4240_0000_0064  // 100 + 1_000_000 << 32
    let inner: UInt64 = 0x0000_2710_0000_0001  // 1 + 10_000 << 32
    let high = (value & lanes) &* outer
    let low = ((value >> 16) & lanes) &* inner
    value = (high &+ low) >> 32
    return (length, value)
}

/// 10^`exponent` for 0 ≤ `exponent` ≤ 8.
@inline(__always)
private func powerOfTen(_ exponent: Int) -> UInt64 {
    switch exponent {
    case 0: return 1
    case 1: return 10
    case 2: return 100
    case 3: return 1000
    case 4: return 10_000
    case 5: return 100_000
    case 6: return 1_000_000
    case 7: return 10_000_000
    default: return 100_000_000
    }
}

/// The bytes of an object key, as `JSONScanner.key()` returns them.
struct JSONKey {
    let base: UnsafePointer<UInt8>
    let count: Int

    /// Whether the key is `text`.
    @inline(__always)
    func matches(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && memcmp(base, text.utf8Start, count) == 0
    }

    /// The key as a `String` (invalid UTF-8 repaired as `JSONParser` repairs it).
    var string: String { String(decoding: UnsafeRawBufferPointer(start: base, count: count), as: UTF8.self) }
}

private let slash = UInt8(ascii: "/")
private let minus = UInt8(ascii: "-")
private let plus = UInt8(ascii: "+")
private let dot = UInt8(ascii: ".")
private let zero = UInt8(ascii: "0")
private let nine = UInt8(ascii: "9")
private let letterB = UInt8(ascii: "b")
private let letterE = UInt8(ascii: "e")
private let letterF = UInt8(ascii: "f")
private let letterN = UInt8(ascii: "n")
private let letterR = UInt8(ascii: "r")
private let letterT = UInt8(ascii: "t")
private let letterU = UInt8(ascii: "u")
private let capitalI = UInt8(ascii: "I")
private let capitalN = UInt8(ascii: "N")
