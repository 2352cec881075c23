/// Reads CIF numbers from UTF-8 bytes: `12`, `-0.5`, `1.234(5)`, `6.02e23`, `.5`, `3.`.
///
/// A standard uncertainty in brackets after the number is dropped. Numbers with up to 15 significant
/// digits and a decimal exponent within ±22 are converted exactly (one correctly rounded multiplication or
/// division of exact doubles); others go through the standard library's correctly rounded conversion.
enum CIFNumber {
    /// The number in `bytes[start..<end]`, or `nil` if the bytes are not a number.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var index = start
        var end = end
        // Drop a trailing "(digits)" uncertainty.
        if end > index, bytes[end - 1] == UInt8(ascii: ")") {
            var open = end - 2
            while open > index, isDigit(bytes[open]) { open -= 1 }
            guard open > index, open < end - 2, bytes[open] == UInt8(ascii: "(") else { return nil }
            end = open
        }
        guard index < end else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var digits = 0
        var truncated = false
        var seenPoint = false
        while index < end {
            let byte = bytes[index]
            if isDigit(byte) {
                digits += 1
                if mantissa == 0 && byte == UInt8(ascii: "0") {
                    if seenPoint { exponent -= 1 }
                } else if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                    significant += 1
                    if seenPoint { exponent -= 1 }
                } else {
                    truncated = true
                    if !seenPoint { exponent += 1 }
                }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        if index < end {
            guard bytes[index] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < end else { return nil }
            var value = 0
            while index < end {
                guard isDigit(bytes[index]) else { return nil }
                value = min(value * 10 + Int(bytes[index] - UInt8(ascii: "0")), 100_000)
                index += 1
            }
            exponent += exponentNegative ? -value : value
        }
        if !truncated, significant <= 15, (-22...22).contains(exponent) {
            let magnitude = Double(mantissa)
            let scaled = exponent < 0 ? magnitude / powersOfTen[-exponent] : magnitude * powersOfTen[exponent]
            return negative ? -scaled : scaled
        }
        // Slow path: the standard library's conversion of the validated text (without the uncertainty).
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
    }

    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// 10⁰ … 10²², all exact in binary64.
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }
}
