// Sums, means and maxima over one axis or all elements.
extension Tensor {
    /// The shape as (outer, extent, inner) around `axis`: element (o, k, i) is at (o · extent + k) · inner + i.
    func split(around axis: Int, op: String) -> (outer: Int, extent: Int, inner: Int) {
        precondition(axis >= 0 && axis < rank, "\(op): axis \(axis) of shape \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    /// The sum of every element, as a scalar tensor.
    @_specialize(where S == Float)
    public func sum() -> Tensor {
        let shape = self.shape
        return Self.result(shape: [], values: [values.reduce(0, +)], inputs: [self]) { g in
            [Tensor(repeating: g.scalar, shape: shape)]
        }
    }

    /// The mean of every element, as a scalar tensor.
    @_specialize(where S == Float)
    public func mean() -> Tensor {
        precondition(count > 0, "mean: empty tensor of shape \(shape)")
        let shape = self.shape
        let n = S(count)
        return Self.result(shape: [], values: [values.reduce(0, +) / n], inputs: [self]) { g in
            [Tensor(repeating: g.scalar / n, shape: shape)]
        }
    }

    /// Sums over `axis`, which is removed from the shape.
    @_specialize(where S == Float)
    public func sum(axis: Int) -> Tensor {
        let (outer, extent, inner) = split(around: axis, op: "sum")
        var out = [S](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for k in 0..<extent {
                let base = (o * extent + k) * inner
                for i in 0..<inner { out[o * inner + i] += values[base + i] }
            }
        }
        var reduced = shape
        reduced.remove(at: axis)
        let shape = self.shape
        return Self.result(shape: reduced, values: out, inputs: [self]) { g in
            var grad = [S](repeating: 0, count: outer * extent * inner)
            for o in 0..<outer {
                for k in 0..<extent {
                    for i in 0..<inner { grad[(o * extent + k) * inner + i] = g.values[o * inner + i] }
                }
            }
            return [Tensor(shape: shape, values: grad)]
        }
    }

    /// Means over `axis`, which is removed from the shape.
    @_specialize(where S == Float)
    public func mean(axis: Int) -> Tensor {
        let extent = split(around: axis, op: "mean").extent
        precondition(extent > 0, "mean: axis \(axis) of shape \(shape) is empty")
        return sum(axis: axis) * Tensor(1 / S(extent))
    }

    /// Maxima over `axis`, which is removed from the shape; the gradient goes to the first maximum.
    @_specialize(where S == Float)
    public func max(axis: Int) -> Tensor {
        let (outer, extent, inner) = split(around: axis, op: "max")
        precondition(extent > 0, "max: axis \(axis) of shape \(shape) is empty")
        var out = [S](repeating: 0, count: outer * inner)
        var winner = [Int](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = (o * extent) * inner + i
                for k in 1..<Swift.max(extent, 1) where values[(o * extent + k) * inner + i] > values[best] {
                    best = (o * extent + k) * inner + i
                }
                out[o * inner + i] = values[best]
                winner[o * inner + i] = best
            }
        }
        var reduced = shape
        reduced.remove(at: axis)
        let total = count
        let shape = self.shape
        return Self.result(shape: reduced, values: out, inputs: [self]) { g in
            var grad = [S](repeating: 0, count: total)
            for (slot, index) in winner.enumerated() { grad[index] += g.values[slot] }
            return [Tensor(shape: shape, values: grad)]
        }
    }
}
