/// A crystallographic symmetry operation on fractional coordinates: `f′ = R·f + t`.
///
/// Read from the Jones-faithful form of `_symmetry_equiv_pos_as_xyz`: three comma-separated expressions
/// in `x`, `y`, `z`, e.g. `x,y,z`, `-x+1/2,y,-z`, `x-y,x,z+1/3`, `+x, +y, +z`, `1/2+x`, `0.5+x`, `2*x`.
struct SymmetryOperation: Hashable, Sendable {
    /// The rows of the rotation part `R`.
    var rotation: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)
    /// The translation part `t`.
    var translation: SIMD3<Double>

    /// The identity.
    static let identity = SymmetryOperation(
        rotation: (SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)), translation: .zero)

    init(rotation: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>), translation: SIMD3<Double>) {
        self.rotation = rotation
        self.translation = translation
    }

    /// Parses the Jones-faithful form in `bytes` (spaces and letter case ignored).
    ///
    /// - Returns: `nil` if the text is not three linear expressions in `x`, `y`, `z` whose rotation has
    ///   determinant ±1.
    init?(parsing bytes: UnsafeBufferPointer<UInt8>) {
        var rows = [SIMD3<Double>](repeating: .zero, count: 3)
        var translation = SIMD3<Double>.zero
        var component = 0
        var index = 0
        let count = bytes.count
        // One expression per component: a sum of signed terms `[number[/number]][*]variable` or `number[/number]`.
        while true {
            var sawTerm = false
            var sign = 1.0
            var expectingTerm = true
            while index < count, bytes[index] != UInt8(ascii: ",") {
                let byte = asciiLowercase(bytes[index])
                if isWhitespace(byte) {
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                    if byte == UInt8(ascii: "-") { sign = -sign }
                    expectingTerm = true
                    index += 1
                    continue
                }
                guard expectingTerm else { return nil }
                var coefficient = 1.0
                var hasNumber = false
                if let (number, next) = Self.number(bytes, from: index) {
                    coefficient = number
                    hasNumber = true
                    index = next
                    while index < count, isWhitespace(bytes[index]) { index += 1 }
                    if index < count, bytes[index] == UInt8(ascii: "*") {
                        index += 1
                        while index < count, isWhitespace(bytes[index]) { index += 1 }
                    }
                }
                let variable = index < count ? asciiLowercase(bytes[index]) : 0
                if variable >= UInt8(ascii: "x"), variable <= UInt8(ascii: "z") {
                    rows[component][Int(variable - UInt8(ascii: "x"))] += sign * coefficient
                    index += 1
                    // A trailing divisor, as in `x/2`.
                    if index < count, bytes[index] == UInt8(ascii: "/") {
                        guard let (divisor, next) = Self.number(bytes, from: index + 1), divisor != 0 else {
                            return nil
                        }
                        rows[component][Int(variable - UInt8(ascii: "x"))] /= divisor
                        index = next
                    }
                } else if hasNumber {
                    translation[component] += sign * coefficient
                } else {
                    return nil
                }
                sawTerm = true
                sign = 1
                expectingTerm = false
            }
            guard sawTerm, !expectingTerm else { return nil }
            component += 1
            if index >= count { break }
            index += 1  // the comma
            guard component < 3 else { return nil }
        }
        guard component == 3 else { return nil }
        let determinant = dot(rows[0], cross(rows[1], rows[2]))
        guard abs(abs(determinant) - 1) < 1e-6, translation.x.isFinite, translation.y.isFinite,
            translation.z.isFinite
        else { return nil }
        self.init(rotation: (rows[0], rows[1], rows[2]), translation: translation)
    }

    /// The image `R·f + t` of fractional coordinates `f`.
    @inline(__always) func apply(_ f: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(dot(rotation.0, f), dot(rotation.1, f), dot(rotation.2, f)) + translation
    }

    /// A number `123`, `0.5`, `.5` or a fraction `1/2`, `3/4` at `start`, and the index after it.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Double, Int)? {
        var end = start
        while end < bytes.count, bytes[end] &- UInt8(ascii: "0") < 10 || bytes[end] == UInt8(ascii: ".") {
            end += 1
        }
        guard end > start, let numerator = CIFNumber.parse(bytes, start, end) else { return nil }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "/"),
            end + 1 < bytes.count, bytes[end + 1] &- UInt8(ascii: "0") < 10
        else { return (numerator, end) }
        var denominatorEnd = end + 1
        while denominatorEnd < bytes.count,
            bytes[denominatorEnd] &- UInt8(ascii: "0") < 10 || bytes[denominatorEnd] == UInt8(ascii: ".")
        {
            denominatorEnd += 1
        }
        guard let denominator = CIFNumber.parse(bytes, end + 1, denominatorEnd), denominator != 0 else {
            return nil
        }
        return (numerator / denominator, denominatorEnd)
    }

    static func == (lhs: SymmetryOperation, rhs: SymmetryOperation) -> Bool {
        lhs.rotation.0 == rhs.rotation.0 && lhs.rotation.1 == rhs.rotation.1 && lhs.rotation.2 == rhs.rotation.2
            && lhs.translation == rhs.translation
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(rotation.0)
        hasher.combine(rotation.1)
        hasher.combine(rotation.2)
        hasher.combine(translation)
    }
}
