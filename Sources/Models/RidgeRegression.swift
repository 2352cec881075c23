/// Ridge regression in closed form, by Cholesky factorisation in Double.
///
/// w = (XᵀX + λI)⁻¹ Xᵀ(y − ȳ) on centred columns, b = ȳ − x̄·w. The Gram matrix is formed once, so several λ cost one factorisation each.
public struct RidgeRegression: Sendable {
    public let columns: Int
    public let rows: Int
    private let xMean: [Double]
    private let yMean: Double
    /// XᵀX of the centred columns [columns × columns], and Xᵀ(y − ȳ).
    private let gram: [Double]
    private let moment: [Double]

    /// Prepares the fit of `y` [n] on the rows of `x` [n, columns] (row-major).
    public init(x: [Double], y: [Double], columns d: Int) {
        let n = y.count
        precondition(x.count == n * d && n > 0, "RidgeRegression: x \(x.count) values, y \(n), columns \(d)")
        var xMean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { xMean[j] += x[i * d + j] / Double(n) } }
        let yMean = y.reduce(0, +) / Double(n)
        var gram = [Double](repeating: 0, count: d * d)
        var moment = [Double](repeating: 0, count: d)
        var row = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { row[j] = x[i * d + j] - xMean[j] }
            let target = y[i] - yMean
            for j in 0..<d where row[j] != 0 {
                moment[j] += row[j] * target
                let rj = row[j]
                for k in j..<d { gram[j * d + k] += rj * row[k] }
            }
        }
        for j in 0..<d { for k in 0..<j { gram[j * d + k] = gram[k * d + j] } }
        (columns, rows, self.xMean, self.yMean, self.gram, self.moment) = (d, n, xMean, yMean, gram, moment)
    }

    /// The weights [columns] and bias for penalty λ > 0 (the bias is not penalised).
    public func solve(lambda: Double) -> (weights: [Double], bias: Double) {
        precondition(lambda > 0, "RidgeRegression.solve: λ \(lambda) must be positive")
        var a = gram
        for j in 0..<columns { a[j * columns + j] += lambda }
        let w = Self.solvePositiveDefinite(a, moment, size: columns)
        return (w, yMean - zip(xMean, w).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// x with A x = b for a symmetric positive-definite A [size × size] (Cholesky, A = L Lᵀ).
    static func solvePositiveDefinite(_ a: [Double], _ b: [Double], size d: Int) -> [Double] {
        var l = [Double](repeating: 0, count: d * d)
        for j in 0..<d {
            var diagonal = a[j * d + j]
            for k in 0..<j { diagonal -= l[j * d + k] * l[j * d + k] }
            let pivot = max(diagonal, 1e-300).squareRoot()
            l[j * d + j] = pivot
            for i in (j + 1)..<max(d, j + 1) {
                var sum = a[i * d + j]
                for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = sum / pivot
            }
        }
        // L z = b, then Lᵀ x = z.
        var z = [Double](repeating: 0, count: d)
        for i in 0..<d {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * d + k] * z[k] }
            z[i] = sum / l[i * d + i]
        }
        var x = [Double](repeating: 0, count: d)
        for i in stride(from: d - 1, through: 0, by: -1) {
            var sum = z[i]
            for k in (i + 1)..<max(d, i + 1) { sum -= l[k * d + i] * x[k] }
            x[i] = sum / l[i * d + i]
        }
        return x
    }
}
