// Gather and scatter over rows, and sums over CSR segments: the message-passing primitives of GNNs.
// Scatters run per destination row in a fixed order, so results never depend on thread count or timing.
extension Tensor {
    /// Rows `indices` of a [n, f] matrix, as an [e, f] matrix.
    ///
    /// Backward scatters the gradient rows back, summing repeats.
    public func gather(rows indices: [Int32]) -> Tensor {
        precondition(rank == 2, "gather: shape \(shape) is not a matrix")
        let (n, f) = (shape[0], shape[1])
        var out = [S](repeating: 0, count: indices.count * f)
        for (e, index) in indices.enumerated() {
            precondition(index >= 0 && Int(index) < n, "gather: row \(index) of \(n)")
            let source = Int(index) * f
            for j in 0..<f { out[e * f + j] = values[source + j] }
        }
        return Self.result(shape: [indices.count, f], values: out, inputs: [self]) { g in
            [g.scatterAdd(rows: indices, count: n).detached]
        }
    }

    /// Adds row e of a [e, f] matrix into row `indices[e]` of an [count, f] zero matrix.
    ///
    /// Rows are added in edge order for each destination (a stable bucket pass), so the floating-point
    /// sums are the same on every run. Backward gathers.
    public func scatterAdd(rows indices: [Int32], count: Int) -> Tensor {
        precondition(rank == 2 && shape[0] == indices.count, "scatterAdd: shape \(shape), \(indices.count) rows")
        let f = shape[1]
        var out = [S](repeating: 0, count: count * f)
        for (e, index) in indices.enumerated() {
            precondition(index >= 0 && Int(index) < count, "scatterAdd: row \(index) of \(count)")
            let target = Int(index) * f
            for j in 0..<f { out[target + j] += values[e * f + j] }
        }
        return Self.result(shape: [count, f], values: out, inputs: [self]) { g in
            [g.detached.gather(rows: indices)]
        }
    }

    /// Sums of consecutive row ranges of a [e, f] matrix: segment s is rows offsets[s]..<offsets[s + 1]
    /// (CSR offsets, as `node_ptr`/`edge_ptr` in the store); the result is [offsets.count − 1, f].
    public func segmentSum(offsets: [Int]) -> Tensor {
        precondition(
            rank == 2 && offsets.first == 0 && offsets.last == shape[0]
                && zip(offsets, offsets.dropFirst()).allSatisfy(<=),
            "segmentSum: offsets \(offsets.prefix(4))… for shape \(shape)")
        let f = shape[1]
        let segments = offsets.count - 1
        var out = [S](repeating: 0, count: segments * f)
        for s in 0..<segments {
            for row in offsets[s]..<offsets[s + 1] {
                for j in 0..<f { out[s * f + j] += values[row * f + j] }
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
    public func segmentMean(offsets: [Int]) -> Tensor {
        let counts = zip(offsets.dropFirst(), offsets).map { S(Swift.max($0 - $1, 1)) }
        let inverse = Tensor(shape: [counts.count, 1], values: counts.map { 1 / $0 })
        return segmentSum(offsets: offsets) * inverse
    }
}
