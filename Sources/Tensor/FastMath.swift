/// Arithmetic-only exp and log1p for Float32 kernels: no libm call, so loops over them vectorise.
///
/// exp: x = n·ln 2 + r with n = round(x / ln 2) and |r| ≤ ½ ln 2 (ln 2 split in two parts, Cody–Waite, so r
/// is exact to float precision), e^r by its Taylor series to r⁷ (truncation < 1.1e-8), times 2ⁿ built in the
/// exponent bits. Above 88 the input is clamped (e⁸⁸ ≈ 1.7e38); below −87.3, where e^x would be subnormal, the
/// result is 0 (flush to zero, which keeps later products off the slow subnormal path).
/// log1p(u) for u ≥ 0: 2·atanh(t) with t = u / (2 + u) ∈ [0, 1) by its odd series to t¹⁵; for u ≤ 1 (all that
/// softplus needs) t ≤ ⅓ and the truncation is below 3e-9 relative; small u keeps full relative precision.
/// Both are tested against Double libm to 1e-6 relative (`FastMathTests`).
enum FastMath {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.3), 88)
        // Round to nearest with the 1.5·2²³ trick (|x / ln 2| < 2²²): no libm rint.
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (clamped - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // n sits in the low mantissa bits of `shifted` (its exponent is fixed at 2²³): reading it from the bits
        // instead of converting with Int32(n) (which checks the range) keeps the loop free of branches, so it
        // vectorises.
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        return x < -87.3 ? 0 : p * scale
    }

    @inline(__always)
    static func log1p(_ u: Float) -> Float {
        let t = u / (2 + u)
        let t2 = t * t
        var s: Float = 1.0 / 15
        s = s * t2 + 1.0 / 13
        s = s * t2 + 1.0 / 11
        s = s * t2 + 1.0 / 9
        s = s * t2 + 1.0 / 7
        s = s * t2 + 1.0 / 5
        s = s * t2 + 1.0 / 3
        s = s * t2 + 1
        return 2 * t * s
    }
}
