import Foundation
import Testing

@testable import Tensor

@Suite struct FastMathTests {
    @Test func expAndLog1pMatchLibmToOnePartInAMillion() {
        var worstExp = 0.0
        for i in 0...200_000 {
            let x = Float(-87 + 175 * Double(i) / 200_000)
            let exact = Foundation.exp(Double(x))
            worstExp = max(worstExp, abs(Double(FastMath.exp(x)) - exact) / exact)
        }
        #expect(worstExp < 1e-6, "exp: worst relative error \(worstExp)")
        var worstLog = 0.0
        for i in 0...200_000 {
            // u from 1e-30 to 1, log-spaced: softplus's whole range.
            let u = Float(pow(10, -30 + 30 * Double(i) / 200_000))
            let exact = Foundation.log1p(Double(u))
            worstLog = max(worstLog, abs(Double(FastMath.log1p(u)) - exact) / exact)
        }
        #expect(worstLog < 1e-6, "log1p: worst relative error \(worstLog)")
        // Flushed to zero below the normal range, clamped above: never infinite or subnormal.
        #expect(FastMath.exp(-88) == 0 && FastMath.exp(-1000) == 0 && FastMath.exp(1000).isFinite)
    }

    @Test func floatActivationsAgreeWithTheDoubleReference() {
        // Inputs exactly representable in Float, so both sides evaluate the same x.
        let xs = (0..<2001).map { Double(Float(-40 + 80 * Double($0) / 2000)) }
        let double = Tensor<Double>(shape: [xs.count], values: xs)
        let single = Tensor<Float>(shape: [xs.count], values: xs.map(Float.init))
        for (name, f, g) in [
            ("softplus", { (t: Tensor<Double>) in t.softplus() }, { (t: Tensor<Float>) in t.softplus() }),
            ("sigmoid", { $0.sigmoid() }, { $0.sigmoid() }), ("silu", { $0.silu() }, { $0.silu() }),
        ] as [(String, (Tensor<Double>) -> Tensor<Double>, (Tensor<Float>) -> Tensor<Float>)] {
            for (d, s) in zip(f(double).values, g(single).values) {
                #expect(abs(d - Double(s)) <= 1e-6 * max(abs(d), 1e-30) + 1e-37, "\(name): \(d) vs \(s)")
            }
        }
    }
}
