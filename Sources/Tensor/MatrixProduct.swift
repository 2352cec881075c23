import Parallel

// Matrix products on BLAS gemm, transposes passed as flags rather than copied.
extension Tensor {
    /// op(self) · op(other) for matrices, op a transpose when asked: [m, k] · [k, n] → [m, n].
    ///
    /// Backward: dA = g · op(B)ᵀ and dB = op(A)ᵀ · g, each again one gemm with transpose flags.
    @_specialize(where S == Float)
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        product(other, transposeSelf: transposeSelf, transposeOther: transposeOther, bias: nil)
    }

    /// self · weightᵀ + bias, a fully connected layer: [n, k] · [m, k]ᵀ + [m] → [n, m].
    ///
    /// The bias is written into each block of the product's rows before gemm adds onto them (beta 1), instead of a
    /// product and then a broadcast add: one pass over the output fewer. Backward as `matmul`, and dbias = Σ_rows g.
    @_specialize(where S == Float)
    public func linear(weight: Tensor, bias: Tensor) -> Tensor {
        precondition(
            rank == 2 && weight.rank == 2 && bias.shape == [weight.shape[0]],
            "linear: x \(shape), weight \(weight.shape), bias \(bias.shape)")
        return product(weight, transposeSelf: false, transposeOther: true, bias: bias)
    }

    /// op(self) · op(other), plus `bias` on every row when given: `matmul` and `linear`.
    private func product(_ other: Tensor, transposeSelf: Bool, transposeOther: Bool, bias: Tensor?) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul: shapes \(shape) and \(other.shape) are not matrices")
        let (m, k) = transposeSelf ? (shape[1], shape[0]) : (shape[0], shape[1])
        let (k2, n) = transposeOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        precondition(
            k == k2,
            "matmul: \(shape)\(transposeSelf ? "ᵀ" : "") × \(other.shape)\(transposeOther ? "ᵀ" : "") do not chain")
        let out = Self.gemm(
            values, shape, transposeSelf, other.values, other.shape, transposeOther, m: m, n: n, k: k,
            rowsStartAt: bias?.values)
        let a = detached
        let b = other.detached
        // A constant operand (input features, a fixed basis) needs no gradient: skip its product.
        let (needA, needB, needBias) = (isTracked, other.isTracked, bias?.isTracked ?? false)
        return Self.result(shape: [m, n], values: out, inputs: [self, other] + (bias.map { [$0] } ?? [])) { g in
            // C = A' B' with A' = op(A), B' = op(B): dA' = g B'ᵀ, dB' = A'ᵀ g, then undo op.
            let gb =
                !needB
                ? nil
                : transposeOther
                    ? Self.gemm(g.values, g.shape, true, a.values, a.shape, transposeSelf, m: n, n: k, k: m)
                    : Self.gemm(a.values, a.shape, !transposeSelf, g.values, g.shape, false, m: k, n: n, k: m)
            let gBias = needBias ? Tensor(shape: [n], values: Self.rowSum(g.values, rows: m, columns: n)) : nil
            let ga: [S]?
            if !needA {
                ga = nil
            } else if transposeSelf {
                ga = Self.gemm(b.values, b.shape, transposeOther, g.values, g.shape, true, m: k, n: m, k: n)
            } else if k == n && m > 0 && n > 0 && Self.productInRowBlocks(m: m, k: n) {
                // dA has g's shape: written over g's storage (the last use of g) where the tape hands over the
                // only reference to it. (Empty products take `gemm`'s zeros, never BLAS.)
                var values = Self.takeValues(&g)
                Self.productOverRows(&values, rows: m, width: n, b.values, b.shape, !transposeOther)
                ga = values
            } else {
                ga = Self.gemm(g.values, g.shape, false, b.values, b.shape, !transposeOther, m: m, n: k, k: n)
            }
            return [ga.map { Tensor(shape: a.shape, values: $0) }, gb.map { Tensor(shape: b.shape, values: $0) }]
                + (bias == nil ? [] : [gBias])
        }
    }

    /// op(A) · op(B) with A, B row-major of the given stored shapes; the result is [m, n], every row of it
    /// starting at `rowsStartAt` ([n]) when given and at zero otherwise.
    static func gemm(
        _ a: [S], _ aShape: [Int], _ transposeA: Bool, _ b: [S], _ bShape: [Int], _ transposeB: Bool,
        m: Int, n: Int, k: Int, rowsStartAt start: [S]? = nil
    ) -> [S] {
        guard m > 0, n > 0, k > 0 else { return start.map { repeatedRows($0, m) } ?? [S](repeating: 0, count: m * n) }
        Parallelism.prepareBLAS()
        let lda = aShape[1]
        if !productInRowBlocks(m: m, k: k) {
            return splitDepthGemm(a, lda, transposeA, b, bShape[1], transposeB, m: m, n: n, k: k, start: start)
        }
        // With beta 0, gemm writes every element of C without reading its old values; with beta 1 it adds onto
        // the start rows, written into each block just before (still in cache).
        let beta: S = start == nil ? 0 : 1
        return [S].uninitialized(count: m * n) { base in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    guard let a = pa.baseAddress, let b = pb.baseAddress else { return }
                    nonisolated(unsafe) let c = base
                    // Fixed blocks of rows of the product, whatever the thread count: the same gemm calls,
                    // so the same bits. Row i of op(A) starts at row i of A, or at column i when transposed.
                    forEachChunk(m, grain: Parallelism.gemmRows, threads: Parallelism.threads) { rows in
                        if let start { fillRows(c + rows.lowerBound * n, rows.count, with: start) }
                        S.gemm(
                            transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: 1,
                            a: a + (transposeA ? rows.lowerBound : rows.lowerBound * lda), lda: lda, b: b,
                            ldb: bShape[1], beta: beta, c: c + rows.lowerBound * n, ldc: n)
                    }
                }
            }
        }
    }

    /// Whether `gemm` runs an [m, ·] product with inner dimension k in fixed blocks of rows (else it splits k).
    static func productInRowBlocks(m: Int, k: Int) -> Bool {
        !(m <= Parallelism.gemmRows && k >= 2 * Parallelism.gemmDepth)
    }

    /// x ← x · op(B) for x [m, w] and op(B) [w, w], over x's storage: the same fixed blocks of rows and gemm calls
    /// as `gemm` (so the same bits), each block's product made in a scratch block and copied over its rows.
    ///
    /// A square layer's input gradient then needs no new [m, w] array: one fewer to fault in and zero, and no
    /// line read before it is written.
    static func productOverRows(
        _ x: inout [S], rows m: Int, width w: Int, _ b: [S], _ bShape: [Int], _ transposeB: Bool
    ) {
        precondition(x.count == m * w && productInRowBlocks(m: m, k: w), "productOverRows: [\(m), \(w)], \(x.count)")
        Parallelism.prepareBLAS()
        let blocks = (m + Parallelism.gemmRows - 1) / Parallelism.gemmRows
        let workers = Swift.max(1, Swift.min(Parallelism.threads, blocks))
        b.withUnsafeBufferPointer { pb in
            x.withUnsafeMutableBufferPointer { px in
                guard let b0 = pb.baseAddress, let x0 = px.baseAddress else { return }
                nonisolated(unsafe) let rows = x0
                // Worker i takes blocks i, i + workers, … with one scratch block of its own: which thread runs a
                // block changes no bits.
                parallelFor(workers, threads: workers) { worker in
                    let scratch = UnsafeMutablePointer<S>.allocate(capacity: Parallelism.gemmRows * w)
                    defer { scratch.deallocate() }
                    for block in stride(from: worker, to: blocks, by: workers) {
                        let first = block * Parallelism.gemmRows
                        let count = Swift.min(Parallelism.gemmRows, m - first)
                        S.gemm(
                            transposeA: false, transposeB: transposeB, m: count, n: w, k: w, alpha: 1,
                            a: rows + first * w, lda: w, b: b0, ldb: bShape[1], beta: 0, c: scratch, ldc: w)
                        (rows + first * w).update(from: scratch, count: count * w)
                    }
                }
            }
        }
    }

    /// A product with few rows and a long inner dimension (a weight gradient, Xᵀ·G over every edge): one row
    /// block would keep it on one core, so the inner dimension is cut into fixed slices of
    /// `Parallelism.gemmDepth`, their partial products computed in parallel and summed in slice order — the
    /// same bits for any thread count.
    static func splitDepthGemm(
        _ a: [S], _ lda: Int, _ transposeA: Bool, _ b: [S], _ ldb: Int, _ transposeB: Bool, m: Int, n: Int, k: Int,
        start: [S]?
    ) -> [S] {
        let depth = Parallelism.gemmDepth
        let slices = (k + depth - 1) / depth
        var partials = [S](repeating: 0, count: slices * m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                partials.withUnsafeMutableBufferPointer { pp in
                    guard let a = pa.baseAddress, let b = pb.baseAddress, let base = pp.baseAddress else { return }
                    nonisolated(unsafe) let p = base
                    forEachChunk(slices, grain: 1, threads: Parallelism.threads) { range in
                        for slice in range {
                            let inner = (slice * depth)..<Swift.min(k, (slice + 1) * depth)
                            // op(A) = A: [m, k], the slice is columns; op(A) = Aᵀ: A is [k, m], the slice is rows.
                            let aSlice = a + (transposeA ? inner.lowerBound * lda : inner.lowerBound)
                            let bSlice = b + (transposeB ? inner.lowerBound : inner.lowerBound * ldb)
                            S.gemm(
                                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: inner.count, alpha: 1,
                                a: aSlice, lda: lda, b: bSlice, ldb: ldb, beta: 0, c: p + slice * m * n, ldc: n)
                        }
                    }
                }
            }
        }
        return sumInOrder(
            partials, parts: slices, onto: start.map { repeatedRows($0, m) } ?? [S](repeating: 0, count: m * n))
    }

    /// `initial` plus the element-wise sum of `parts` consecutive arrays of `initial.count` values in `partials`,
    /// added in part order: how partial products cut by a fixed rule are combined, the same bits for any thread
    /// count.
    static func sumInOrder(_ partials: [S], parts: Int, onto initial: [S]) -> [S] {
        let size = initial.count
        var c = initial
        partials.withUnsafeBufferPointer { pp in
            c.withUnsafeMutableBufferPointer { pc in
                guard let p = pp.baseAddress, let c = pc.baseAddress else { return }
                for part in 0..<parts {
                    let values = p + part * size
                    for i in 0..<size { c[i] += values[i] }
                }
            }
        }
        return c
    }

    /// `row` ([n]) repeated `count` times: an [count, n] matrix.
    static func repeatedRows(_ row: [S], _ count: Int) -> [S] {
        [S].uninitialized(count: count * row.count) { fillRows($0, count, with: row) }
    }

    /// Writes `row` into `count` consecutive rows of its length at `c`.
    static func fillRows(_ c: UnsafeMutablePointer<S>, _ count: Int, with row: [S]) {
        row.withUnsafeBufferPointer { r in
            guard let r0 = r.baseAddress else { return }
            for i in 0..<count { (c + i * r.count).initialize(from: r0, count: r.count) }
        }
    }
}
