import Parallel

// Matrix products on BLAS gemm, transposes passed as flags rather than copied.
extension Tensor {
    /// op(self) · op(other) for matrices, op a transpose when asked: [m, k] · [k, n] → [m, n].
    ///
    /// Backward: dA = g · op(B)ᵀ and dB = op(A)ᵀ · g, each again one gemm with transpose flags.
    @_specialize(where S == Float)
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul: shapes \(shape) and \(other.shape) are not matrices")
        let (m, k) = transposeSelf ? (shape[1], shape[0]) : (shape[0], shape[1])
        let (k2, n) = transposeOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        precondition(
            k == k2,
            "matmul: \(shape)\(transposeSelf ? "ᵀ" : "") × \(other.shape)\(transposeOther ? "ᵀ" : "") do not chain")
        let out = Self.gemm(values, shape, transposeSelf, other.values, other.shape, transposeOther, m: m, n: n, k: k)
        let a = detached
        let b = other.detached
        // A constant operand (input features, a fixed basis) needs no gradient: skip its product.
        let (needA, needB) = (isTracked, other.isTracked)
        return Self.result(shape: [m, n], values: out, inputs: [self, other]) { g in
            // C = A' B' with A' = op(A), B' = op(B): dA' = g B'ᵀ, dB' = A'ᵀ g, then undo op.
            let ga =
                !needA
                ? nil
                : transposeSelf
                    ? Self.gemm(b.values, b.shape, transposeOther, g.values, g.shape, true, m: k, n: m, k: n)
                    : Self.gemm(g.values, g.shape, false, b.values, b.shape, !transposeOther, m: m, n: k, k: n)
            let gb =
                !needB
                ? nil
                : transposeOther
                    ? Self.gemm(g.values, g.shape, true, a.values, a.shape, transposeSelf, m: n, n: k, k: m)
                    : Self.gemm(a.values, a.shape, !transposeSelf, g.values, g.shape, false, m: k, n: n, k: m)
            return [ga.map { Tensor(shape: a.shape, values: $0) }, gb.map { Tensor(shape: b.shape, values: $0) }]
        }
    }

    /// op(A) · op(B) with A, B row-major of the given stored shapes; the result is [m, n].
    static func gemm(
        _ a: [S], _ aShape: [Int], _ transposeA: Bool, _ b: [S], _ bShape: [Int], _ transposeB: Bool,
        m: Int, n: Int, k: Int
    ) -> [S] {
        var c = [S](repeating: 0, count: m * n)
        guard m > 0, n > 0 else { return c }
        if k == 0 { return c }
        Parallelism.prepareBLAS()
        let lda = aShape[1]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let a = pa.baseAddress, let b = pb.baseAddress, let base = pc.baseAddress else { return }
                    nonisolated(unsafe) let c = base
                    // Fixed blocks of rows of the product, whatever the thread count: the same gemm calls,
                    // so the same bits. Row i of op(A) starts at row i of A, or at column i when transposed.
                    forEachChunk(m, grain: Parallelism.gemmRows, threads: Parallelism.threads) { rows in
                        S.gemm(
                            transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: 1,
                            a: a + (transposeA ? rows.lowerBound : rows.lowerBound * lda), lda: lda, b: b,
                            ldb: bShape[1], beta: 0, c: c + rows.lowerBound * n, ldc: n)
                    }
                }
            }
        }
        return c
    }
}
