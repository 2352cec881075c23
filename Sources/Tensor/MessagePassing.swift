// Gather and scatter over rows, and sums over CSR segments: the message-passing primitives of GNNs.
// Scatters run per destination row in a fixed order, so results never depend on thread count or timing.
extension Tensor {
    /// Rows `indices` of a [n, f] matrix, as an [e, f] matrix.
    ///
    /// Backward scatters the gradient rows back, summing repeats.
    @_specialize(where S == Float)
    public func gather(rows indices: [Int32]) -> Tensor {
        precondition(rank == 2, "gather: shape \(shape) is not a matrix")
        let (n, f) = (shape[0], shape[1])
        for index in indices { precondition(index >= 0 && Int(index) < n, "gather: row \(index) of \(n)") }
        let out = values.withUnsafeBufferPointer { x in
            [S].filled(count: indices.count * f, grain: Parallelism.rowGrain(width: f)) {
                range, o in
                for e in (range.lowerBound / f)..<(range.upperBound / f) {
                    let source = Int(indices[e]) * f
                    for j in 0..<f { o[e * f + j] = x[source + j] }
                }
            }
        }
        return Self.result(shape: [indices.count, f], values: out, inputs: [self]) { g in
            [g.scatterAdd(rows: indices, count: n).detached]
        }
    }

    /// Adds row e of a [e, f] matrix into row `indices[e]` of an [count, f] zero matrix.
    ///
    /// Edges are first grouped by destination (a stable counting sort), then each destination row adds its
    /// edges in edge order: race-free on any number of threads, and the same floating-point sums on every
    /// run. Backward gathers.
    @_specialize(where S == Float)
    public func scatterAdd(rows indices: [Int32], count: Int) -> Tensor {
        precondition(rank == 2 && shape[0] == indices.count, "scatterAdd: shape \(shape), \(indices.count) rows")
        let f = shape[1]
        var start = [Int](repeating: 0, count: count + 1)
        for index in indices {
            precondition(index >= 0 && Int(index) < count, "scatterAdd: row \(index) of \(count)")
            start[Int(index) + 1] += 1
        }
        for row in 0..<count { start[row + 1] += start[row] }
        var fill = start
        var order = [Int](repeating: 0, count: indices.count)
        for (e, index) in indices.enumerated() {
            order[fill[Int(index)]] = e
            fill[Int(index)] += 1
        }
        let out = values.withUnsafeBufferPointer { x in
            [S].filled(count: count * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                for row in (range.lowerBound / f)..<(range.upperBound / f) {
                    for j in 0..<f { o[row * f + j] = 0 }
                    for slot in start[row]..<start[row + 1] {
                        let source = order[slot] * f
                        for j in 0..<f { o[row * f + j] += x[source + j] }
                    }
                }
            }
        }
        return Self.result(shape: [count, f], values: out, inputs: [self]) { g in
            [g.detached.gather(rows: indices)]
        }
    }

    /// Sums of consecutive row ranges of a [e, f] matrix: segment s is rows offsets[s]..<offsets[s + 1]
    /// (CSR offsets, as `node_ptr`/`edge_ptr` in the store); the result is [offsets.count − 1, f].
    @_specialize(where S == Float)
    public func segmentSum(offsets: [Int]) -> Tensor {
        precondition(
            rank == 2 && offsets.first == 0 && offsets.last == shape[0]
                && zip(offsets, offsets.dropFirst()).allSatisfy(<=),
            "segmentSum: offsets \(offsets.prefix(4))… for shape \(shape)")
        let f = shape[1]
        let segments = offsets.count - 1
        let out = values.withUnsafeBufferPointer { x in
            [S].filled(count: segments * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                for s in (range.lowerBound / f)..<(range.upperBound / f) {
                    for j in 0..<f { o[s * f + j] = 0 }
                    for row in offsets[s]..<offsets[s + 1] {
                        for j in 0..<f { o[s * f + j] += x[row * f + j] }
                    }
                }
            }
        }
        let rows = shape[0]
        return Self.result(shape: [segments, f], values: out, inputs: [self]) { g in
            var grad = [S](repeating: 0, count: rows * f)
            for s in 0..<segments {
                for row in offsets[s]..<offsets[s + 1] {
                    for j in 0..<f { grad[row * f + j] = g.values[s * f + j] }
                }
            }
            return [Tensor(shape: [rows, f], values: grad)]
        }
    }

    /// Means of CSR segments (an empty segment gives zeros).
    @_specialize(where S == Float)
    public func segmentMean(offsets: [Int]) -> Tensor {
        let counts = zip(offsets.dropFirst(), offsets).map { S(Swift.max($0 - $1, 1)) }
        let inverse = Tensor(shape: [counts.count, 1], values: counts.map { 1 / $0 })
        return segmentSum(offsets: offsets) * inverse
    }
}

extension Tensor {
    /// a[aRows[e]] + b[bRows[e]] + c[e] for each edge e: the sum of two row-gathered [n, f] matrices and an
    /// [e, f] one, in one pass (what `a.gather(rows:) + b.gather(rows:) + c` computes in five).
    ///
    /// A layer W [x_dst ‖ x_src ‖ u] becomes (x W_dstᵀ)[dst] + (x W_srcᵀ)[src] + u W_uᵀ: the products run on
    /// atoms rather than edges. Backward scatters the gradient into a's and b's rows (`scatterAdd`, fixed order)
    /// and passes it to c unchanged.
    @_specialize(where S == Float)
    public static func gatheredSum(_ a: Tensor, rows aRows: [Int32], _ b: Tensor, rows bRows: [Int32], plus c: Tensor)
        -> Tensor
    {
        precondition(
            a.rank == 2 && b.rank == 2 && c.rank == 2 && a.shape[1] == c.shape[1] && b.shape[1] == c.shape[1]
                && aRows.count == c.shape[0] && bRows.count == c.shape[0],
            "gatheredSum: a \(a.shape), b \(b.shape), c \(c.shape), \(aRows.count) and \(bRows.count) rows")
        let (na, nb, f) = (a.shape[0], b.shape[0], c.shape[1])
        for index in aRows { precondition(index >= 0 && Int(index) < na, "gatheredSum: row \(index) of \(na)") }
        for index in bRows { precondition(index >= 0 && Int(index) < nb, "gatheredSum: row \(index) of \(nb)") }
        let out = a.values.withUnsafeBufferPointer { av in
            b.values.withUnsafeBufferPointer { bv in
                c.values.withUnsafeBufferPointer { cv in
                    [S].filled(count: c.count, grain: Parallelism.rowGrain(width: f)) { range, o in
                        for e in (range.lowerBound / f)..<(range.upperBound / f) {
                            let (ra, rb, rc) = (Int(aRows[e]) * f, Int(bRows[e]) * f, e * f)
                            for j in 0..<f { o[rc + j] = av[ra + j] + bv[rb + j] + cv[rc + j] }
                        }
                    }
                }
            }
        }
        return result(shape: c.shape, values: out, inputs: [a, b, c]) { g in
            let plain = g.detached
            return [plain.scatterAdd(rows: aRows, count: na), plain.scatterAdd(rows: bRows, count: nb), plain]
        }
    }
}
