import Foundation

// Elementwise arithmetic with broadcasting, and unary maps; each op's backward sits next to its forward.
extension Tensor {
    /// `op` applied to `a` and `b` broadcast together.
    static func combine(_ a: Tensor, _ b: Tensor, op name: String, _ op: (S, S) -> S) -> (shape: [Int], values: [S]) {
        if a.shape == b.shape {
            let out = a.values.withUnsafeBufferPointer { x in
                b.values.withUnsafeBufferPointer { y in
                    [S].filled(count: a.count) { range, o in for i in range { o[i] = op(x[i], y[i]) } }
                }
            }
            return (a.shape, out)
        }
        if let fast = broadcastFast(a, b, op) { return fast }
        if let fast = broadcastFast(b, a, { op($1, $0) }) { return fast }
        let shape = Broadcasting.shape(a.shape, b.shape, op: name)
        let ia = Broadcasting.sourceIndices(of: a.shape, in: shape)
        let ib = Broadcasting.sourceIndices(of: b.shape, in: shape)
        let out = (0..<ia.count).map { op(a.values[ia[$0]], b.values[ib[$0]]) }
        return (shape, out)
    }

    /// The common broadcasts of GNN code without index arrays: `small` a scalar, a row [f] or [1, f] across the
    /// rows of a [n, f] `large`, or a column [n, 1] across its columns; nil for any other pair.
    static func broadcastFast(_ large: Tensor, _ small: Tensor, _ op: (S, S) -> S) -> (shape: [Int], values: [S])? {
        let shape = large.shape
        if small.count == 1 && small.rank <= large.rank {
            let s = small.values[0]
            let out = large.values.withUnsafeBufferPointer { x in
                [S].filled(count: large.count) { range, o in for i in range { o[i] = op(x[i], s) } }
            }
            return (shape, out)
        }
        guard large.rank == 2 else { return nil }
        let (n, f) = (shape[0], shape[1])
        let row = small.shape == [f] || small.shape == [1, f]
        let column = small.shape == [n, 1]
        guard row || column else { return nil }
        let out = large.values.withUnsafeBufferPointer { x in
            small.values.withUnsafeBufferPointer { y in
                [S].filled(count: n * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                    for r in (range.lowerBound / Swift.max(f, 1))..<(range.upperBound / Swift.max(f, 1)) {
                        for j in 0..<f { o[r * f + j] = op(x[r * f + j], y[row ? j : r]) }
                    }
                }
            }
        }
        return (shape, out)
    }

    /// `op` applied to every element.
    @inline(__always)
    func map(_ op: (S) -> S) -> [S] {
        values.withUnsafeBufferPointer { x in
            [S].filled(count: count) { range, o in for i in range { o[i] = op(x[i]) } }
        }
    }

    /// Elementwise product with a same-shape tensor, untracked (for backward passes).
    func times(_ other: Tensor) -> Tensor {
        let (shape, values) = Self.combine(self, other, op: "times", *)
        return Tensor(shape: shape, values: values)
    }

    /// The elementwise map `op`, untracked.
    func mapped(_ op: (S) -> S) -> Tensor { Tensor(shape: shape, values: map(op)) }

    @_specialize(where S == Float)
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "add", +)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            [Broadcasting.reduce(g, to: a.shape), Broadcasting.reduce(g, to: b.shape)]
        }
    }

    @_specialize(where S == Float)
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "sub", -)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            [Broadcasting.reduce(g, to: a.shape), Broadcasting.reduce(g.mapped { -$0 }, to: b.shape)]
        }
    }

    @_specialize(where S == Float)
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "mul", *)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            let ga = combine(g, b.detached, op: "mul backward", *)
            let gb = combine(g, a.detached, op: "mul backward", *)
            return [
                Broadcasting.reduce(Tensor(shape: ga.shape, values: ga.values), to: a.shape),
                Broadcasting.reduce(Tensor(shape: gb.shape, values: gb.values), to: b.shape),
            ]
        }
    }

    @_specialize(where S == Float)
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "div", /)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            let ga = combine(g, b.detached, op: "div backward", /)
            // d(a/b)/db = −a/b² = −(a/b)/b.
            let quotient = Tensor(shape: out.shape, values: out.values)
            let gq = combine(g, quotient, op: "div backward", *)
            let gb = combine(Tensor(shape: gq.shape, values: gq.values), b.detached, op: "div backward") { -$0 / $1 }
            return [
                Broadcasting.reduce(Tensor(shape: ga.shape, values: ga.values), to: a.shape),
                Broadcasting.reduce(Tensor(shape: gb.shape, values: gb.values), to: b.shape),
            ]
        }
    }

    @_specialize(where S == Float)
    public static prefix func - (a: Tensor) -> Tensor {
        result(shape: a.shape, values: a.map { -$0 }, inputs: [a]) { g in [g.mapped { -$0 }] }
    }

    /// eˣ elementwise.
    @_specialize(where S == Float)
    public func exp() -> Tensor {
        let out = map(S.exp)
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            [g.times(Tensor(shape: shape, values: out))]
        }
    }

    /// Natural logarithm elementwise.
    @_specialize(where S == Float)
    public func log() -> Tensor {
        let x = detached
        return Self.result(shape: shape, values: map(S.log), inputs: [self]) { g in
            [Tensor(shape: g.shape, values: Tensor.combine(g, x, op: "log backward", /).values)]
        }
    }

    /// Square root elementwise.
    @_specialize(where S == Float)
    public func sqrt() -> Tensor {
        let out = map { $0.squareRoot() }
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            [
                Tensor(
                    shape: shape,
                    values: Tensor.combine(g, Tensor(shape: shape, values: out), op: "sqrt backward") {
                        $0 / (2 * $1)
                    }.values)
            ]
        }
    }

    /// The larger of `self` and `other` elementwise (broadcast); where they are equal the gradient goes
    /// to `self`.
    @_specialize(where S == Float)
    public func maximum(_ other: Tensor) -> Tensor {
        let out = Self.combine(self, other, op: "maximum") { Swift.max($0, $1) }
        let a = detached
        let b = other.detached
        return Self.result(shape: out.shape, values: out.values, inputs: [self, other]) { g in
            let takesA = Tensor.combine(a, b, op: "maximum backward") { $0 >= $1 ? 1 : 0 }
            let ga = Tensor.combine(g, Tensor(shape: takesA.shape, values: takesA.values), op: "maximum backward", *)
            let gb = Tensor.combine(g, Tensor(shape: takesA.shape, values: takesA.values), op: "maximum backward") {
                $0 * (1 - $1)
            }
            return [
                Broadcasting.reduce(Tensor(shape: ga.shape, values: ga.values), to: a.shape),
                Broadcasting.reduce(Tensor(shape: gb.shape, values: gb.values), to: b.shape),
            ]
        }
    }

    /// Elementwise choice: `self` where `condition` is true, `other` elsewhere (same shapes).
    @_specialize(where S == Float)
    public func `where`(_ condition: [Bool], else other: Tensor) -> Tensor {
        precondition(
            shape == other.shape && condition.count == count,
            "where: \(shape), \(other.shape), \(condition.count) conditions")
        let out = (0..<count).map { condition[$0] ? values[$0] : other.values[$0] }
        return Self.result(shape: shape, values: out, inputs: [self, other]) { g in
            [
                Tensor(shape: g.shape, values: (0..<g.count).map { condition[$0] ? g.values[$0] : 0 }),
                Tensor(shape: g.shape, values: (0..<g.count).map { condition[$0] ? 0 : g.values[$0] }),
            ]
        }
    }
}
