import Crystal

/// A 3 × 3 matrix of Doubles, rows stored, for spglib's transformations.
struct Matrix3 {
    var rows: [SIMD3<Double>]

    init(rows: [SIMD3<Double>]) { self.rows = rows }

    /// From spglib's `double [3][3]`, row-major.
    init(_ m: ((Double, Double, Double), (Double, Double, Double), (Double, Double, Double))) {
        rows = [SIMD3(m.0.0, m.0.1, m.0.2), SIMD3(m.1.0, m.1.1, m.1.2), SIMD3(m.2.0, m.2.1, m.2.2)]
    }

    func column(_ j: Int) -> SIMD3<Double> { SIMD3(rows[0][j], rows[1][j], rows[2][j]) }

    var transposed: Matrix3 { Matrix3(rows: (0..<3).map(column)) }

    /// The inverse by cofactors; `nil` when the determinant is 0.
    var inverse: Matrix3? {
        let (a, b, c) = (rows[0], rows[1], rows[2])
        let determinant = dot(a, cross(b, c))
        guard determinant != 0 else { return nil }
        // The columns of the inverse are the cross products of pairs of rows, over the determinant.
        return Matrix3(rows: [cross(b, c), cross(c, a), cross(a, b)].map { $0 / determinant }).transposed
    }

    static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(dot(m.rows[0], v), dot(m.rows[1], v), dot(m.rows[2], v))
    }

    static func * (m: Matrix3, n: Matrix3) -> Matrix3 {
        Matrix3(rows: m.rows.map { row in SIMD3((0..<3).map { dot(row, n.column($0)) }) })
    }
}
