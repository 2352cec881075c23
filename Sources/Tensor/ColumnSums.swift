// Sums down the columns of [n, f] matrices in fixed blocks of rows, the blocks in parallel and their sums added in
// block order: bias gradients, batch statistics and the affine op's parameter gradients, the same bits for any
// number of threads.

extension Tensor {
    /// Σ over the rows of an [rows, columns] matrix, in fixed blocks of rows (`columnSums`): the same bits for any
    /// number of threads.
    static func rowSum(_ values: [S], rows: Int, columns: Int) -> [S] {
        values.withUnsafeBufferPointer { v in Self.columnSums(rows, columns, v, v, Sum()).0 }
    }

    /// Σ over rows of the two terms term(g[r, j], x[r, j], j) per column j of two [n, f] matrices, in one pass.
    ///
    /// For a single matrix pass it twice. The term is a type, not a closure, so the loop specialises and inlines
    /// it. Rows are summed in fixed blocks of about `Parallelism.grain` elements, the blocks in parallel, then the
    /// blocks' sums in block order: the same sums for any number of threads.
    @inline(__always)
    static func columnSums<Term: ColumnTerm<S>>(
        _ n: Int, _ f: Int, _ g: UnsafeBufferPointer<S>, _ x: UnsafeBufferPointer<S>, _ term: Term
    ) -> ([S], [S]) {
        let blockRows = Swift.max(1, Parallelism.grain / Swift.max(1, f))
        let blocks = (n + blockRows - 1) / blockRows
        // Block b's sums at partial[2bf..<2bf + f] and partial[2bf + f..<2(b + 1)f].
        let partial = [S].filled(count: blocks * 2 * f, grain: 8 * f) { range, p in
            guard let g0 = g.baseAddress, let x0 = x.baseAddress else { return }
            for block in (range.lowerBound / (2 * f))..<(range.upperBound / (2 * f)) {
                let (first, second) = (p + block * 2 * f, p + block * 2 * f + f)
                first.initialize(repeating: 0, count: 2 * f)
                for r in (block * blockRows)..<Swift.min(n, (block + 1) * blockRows) {
                    let (gr, xr) = (g0 + r * f, x0 + r * f)
                    for j in 0..<f {
                        let (a, b) = term(gr[j], xr[j], j)
                        first[j] += a
                        second[j] += b
                    }
                }
            }
        }
        var sums = [S](repeating: 0, count: 2 * f)
        partial.withUnsafeBufferPointer { p in
            sums.withUnsafeMutableBufferPointer { s in
                guard let p0 = p.baseAddress, let s0 = s.baseAddress else { return }
                for block in 0..<blocks {
                    let row = p0 + block * 2 * f
                    for j in 0..<(2 * f) { s0[j] += row[j] }
                }
            }
        }
        return (Array(sums[0..<f]), Array(sums[f...]))
    }
}

/// The two terms of a column sum (`Tensor.columnSums`) of elements g and x in column j.
protocol ColumnTerm<Scalar> {
    associatedtype Scalar: TensorScalar
    func callAsFunction(_ g: Scalar, _ x: Scalar, _ column: Int) -> (Scalar, Scalar)
}

/// (g, 0): a plain column sum (a bias gradient); the second sum is left at zero.
struct Sum<Scalar: TensorScalar>: ColumnTerm {
    @inline(__always) func callAsFunction(_ g: Scalar, _ x: Scalar, _ column: Int) -> (Scalar, Scalar) { (g, 0) }
}

/// (g · x, g): the weight and bias gradients of x · scale + shift.
struct Product<Scalar: TensorScalar>: ColumnTerm {
    @inline(__always) func callAsFunction(_ g: Scalar, _ x: Scalar, _ column: Int) -> (Scalar, Scalar) { (g * x, g) }
}
