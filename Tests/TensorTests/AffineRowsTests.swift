import CKernels
import Testing

@testable import Tensor

/// The C loops of batch normalisation's row maps (`xtal_affine_rows`, `xtal_affine_rows2_in_place`) against plain Swift
/// loops, bit for bit: every product and sum rounded apart (no fused multiply-add), with plain and streaming stores.
@Suite struct AffineRowsTests {
    /// Widths with and without whole groups of four, outputs 16-byte aligned and not, for both kinds of store.
    @Test(arguments: [Int32(0), 1])
    func cLoopsEqualSwiftLoops(stream: Int32) {
        var generator = SeededGenerator(seed: 11)
        for f in [64, 4, 12, 17, 1] {
            let n = 37
            let draw = { (count: Int) in Tensor<Float>.uniform([count], bound: 3, using: &generator).values }
            let (x, g, a, b, c) = (draw(n * f), draw(n * f), draw(f), draw(f), draw(f))
            var (affine, affine2) = ([Float](repeating: 0, count: n * f), [Float](repeating: 0, count: n * f))
            for r in 0..<n {
                for j in 0..<f {
                    affine[r * f + j] = x[r * f + j] * a[j] + b[j]
                    affine2[r * f + j] = g[r * f + j] * a[j] + x[r * f + j] * b[j] + c[j]
                }
            }
            for offset in 0..<4 {
                // Output rows from `offset` floats past a 16-byte-aligned start (a Swift array's elements are).
                var out = [Float](repeating: 0, count: n * f + 4)
                out.withUnsafeMutableBufferPointer { o in
                    xtal_affine_rows(x, a, b, n, f, stream, o.baseAddress! + offset)
                }
                var out2 = [Float](repeating: 0, count: offset) + g
                out2.withUnsafeMutableBufferPointer { o in
                    xtal_affine_rows2_in_place(o.baseAddress! + offset, a, x, b, c, n, f)
                }
                let (same, same2) = (
                    Array(out[offset..<(offset + n * f)]) == affine, Array(out2[offset...]) == affine2
                )
                #expect(same, "xtal_affine_rows, width \(f), offset \(offset)")
                #expect(same2, "xtal_affine_rows2_in_place, width \(f), offset \(offset)")
            }
        }
    }
}
