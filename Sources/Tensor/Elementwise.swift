import Foundation

// Elementwise arithmetic with broadcasting, and unary maps; each op's backward sits next to its forward.
extension Tensor {
    /// `Op` applied to `a` and `b` broadcast together.
    ///
    /// The operation is a type, so the loops specialise on it and inline it (a closure value was an indirect
    /// call for every element).
    static func combine<Op: BinaryOperation>(_ a: Tensor, _ b: Tensor, op name: String, _ op: Op.Type)
        -> (shape: [Int], values: [S])
    {
        if a.shape == b.shape {
            let out = a.values.withUnsafeBufferPointer { x in
                b.values.withUnsafeBufferPointer { y in
                    [S].filled(count: a.count) { range, o in for i in range { o[i] = Op.apply(x[i], y[i]) } }
                }
            }
            return (a.shape, out)
        }
        if let fast = broadcastFast(a, b, Op.self) { return fast }
        if let fast = broadcastFast(b, a, Swapped<Op>.self) { return fast }
        let shape = Broadcasting.shape(a.shape, b.shape, op: name)
        let ia = Broadcasting.sourceIndices(of: a.shape, in: shape)
        let ib = Broadcasting.sourceIndices(of: b.shape, in: shape)
        let out = (0..<ia.count).map { Op.apply(a.values[ia[$0]], b.values[ib[$0]]) }
        return (shape, out)
    }

    /// The common broadcasts of GNN code without index arrays: `small` a scalar, a row [f] or [1, f] across the
    /// rows of a [n, f] `large`, or a column [n, 1] across its columns; nil for any other pair.
    static func broadcastFast<Op: BinaryOperation>(_ large: Tensor, _ small: Tensor, _ op: Op.Type)
        -> (shape: [Int], values: [S])?
    {
        let shape = large.shape
        if small.count == 1 && small.rank <= large.rank {
            let s = small.values[0]
            let out = large.values.withUnsafeBufferPointer { x in
                [S].filled(count: large.count) { range, o in for i in range { o[i] = Op.apply(x[i], s) } }
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
                    guard let x0 = x.baseAddress, let y0 = y.baseAddress else { return }
                    for r in (range.lowerBound / Swift.max(f, 1))..<(range.upperBound / Swift.max(f, 1)) {
                        let (xr, or) = (x0 + r * f, o + r * f)
                        if row {
                            for j in 0..<f { or[j] = Op.apply(xr[j], y0[j]) }
                        } else {
                            let yr = y0[r]
                            for j in 0..<f { or[j] = Op.apply(xr[j], yr) }
                        }
                    }
                }
            }
        }
        return (shape, out)
    }

    /// `Op` applied to every element.
    func map<Op: UnaryOperation>(_ op: Op.Type) -> [S] {
        values.withUnsafeBufferPointer { x in
            [S].filled(count: count) { range, o in for i in range { o[i] = Op.apply(x[i]) } }
        }
    }

    /// Elementwise product with a same-shape tensor, untracked (for backward passes).
    func times(_ other: Tensor) -> Tensor {
        let (shape, values) = Self.combine(self, other, op: "times", Multiply.self)
        return Tensor(shape: shape, values: values)
    }

    /// The elementwise map `Op`, untracked.
    func mapped<Op: UnaryOperation>(_ op: Op.Type) -> Tensor { Tensor(shape: shape, values: map(op)) }

    @_specialize(where S == Float)
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "add", Add.self)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            [Broadcasting.reduce(g, to: a.shape), Broadcasting.reduce(g, to: b.shape)]
        }
    }

    @_specialize(where S == Float)
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "sub", Subtract.self)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            [Broadcasting.reduce(g, to: a.shape), Broadcasting.reduce(g.mapped(Negate.self), to: b.shape)]
        }
    }

    @_specialize(where S == Float)
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "mul", Multiply.self)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            let ga = combine(g, b.detached, op: "mul backward", Multiply.self)
            let gb = combine(g, a.detached, op: "mul backward", Multiply.self)
            return [
                Broadcasting.reduce(Tensor(shape: ga.shape, values: ga.values), to: a.shape),
                Broadcasting.reduce(Tensor(shape: gb.shape, values: gb.values), to: b.shape),
            ]
        }
    }

    @_specialize(where S == Float)
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = combine(a, b, op: "div", Divide.self)
        return result(shape: out.shape, values: out.values, inputs: [a, b]) { g in
            let ga = combine(g, b.detached, op: "div backward", Divide.self)
            // d(a/b)/db = −a/b² = −(a/b)/b.
            let quotient = Tensor(shape: out.shape, values: out.values)
            let gq = combine(g, quotient, op: "div backward", Multiply.self)
            let gb = combine(
                Tensor(shape: gq.shape, values: gq.values), b.detached, op: "div backward", NegatedQuotient.self)
            return [
                Broadcasting.reduce(Tensor(shape: ga.shape, values: ga.values), to: a.shape),
                Broadcasting.reduce(Tensor(shape: gb.shape, values: gb.values), to: b.shape),
            ]
        }
    }

    @_specialize(where S == Float)
    public static prefix func - (a: Tensor) -> Tensor {
        result(shape: a.shape, values: a.map(Negate.self), inputs: [a]) { g in [g.mapped(Negate.self)] }
    }

    /// eˣ elementwise.
    @_specialize(where S == Float)
    public func exp() -> Tensor {
        let out = map(Exponential.self)
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            [g.times(Tensor(shape: shape, values: out))]
        }
    }

    /// Natural logarithm elementwise.
    @_specialize(where S == Float)
    public func log() -> Tensor {
        let x = detached
        return Self.result(shape: shape, values: map(Logarithm.self), inputs: [self]) { g in
            [Tensor(shape: g.shape, values: Tensor.combine(g, x, op: "log backward", Divide.self).values)]
        }
    }

    /// Square root elementwise.
    @_specialize(where S == Float)
    public func sqrt() -> Tensor {
        let out = map(SquareRoot.self)
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            [
                Tensor(
                    shape: shape,
                    values: Tensor.combine(g, Tensor(shape: shape, values: out), op: "sqrt backward", HalfQuotient.self)
                        .values)
            ]
        }
    }

    /// The larger of `self` and `other` elementwise (broadcast); where they are equal the gradient goes
    /// to `self`.
    @_specialize(where S == Float)
    public func maximum(_ other: Tensor) -> Tensor {
        let out = Self.combine(self, other, op: "maximum", Larger.self)
        let a = detached
        let b = other.detached
        return Self.result(shape: out.shape, values: out.values, inputs: [self, other]) { g in
            let mask = Tensor.combine(a, b, op: "maximum backward", AtLeast.self)
            let takesA = Tensor(shape: mask.shape, values: mask.values)
            let ga = Tensor.combine(g, takesA, op: "maximum backward", Multiply.self)
            let gb = Tensor.combine(g, takesA, op: "maximum backward", TimesComplement.self)
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

/// An elementwise operation of two scalars, as a type (see `Tensor.combine`).
protocol BinaryOperation {
    static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S
}

/// An elementwise operation of one scalar, as a type (see `Tensor.map`).
protocol UnaryOperation {
    static func apply<S: TensorScalar>(_ x: S) -> S
}

/// a + b.
enum Add: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a + b }
}

/// a − b.
enum Subtract: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a - b }
}

/// a · b.
enum Multiply: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a * b }
}

/// a / b.
enum Divide: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a / b }
}

/// max(a, b).
enum Larger: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { Swift.max(a, b) }
}

/// −a / b (the quotient rule's second term).
enum NegatedQuotient: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { -a / b }
}

/// a / (2b) (the square root's derivative times a gradient).
enum HalfQuotient: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a / (2 * b) }
}

/// 1 where a ≥ b, else 0.
enum AtLeast: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a >= b ? 1 : 0 }
}

/// a · (1 − b).
enum TimesComplement: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { a * (1 - b) }
}

/// `Op` with its operands swapped, for a broadcast whose small operand comes first.
enum Swapped<Op: BinaryOperation>: BinaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ a: S, _ b: S) -> S { Op.apply(b, a) }
}

/// −x.
enum Negate: UnaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ x: S) -> S { -x }
}

/// eˣ (libm).
enum Exponential: UnaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ x: S) -> S { S.exp(x) }
}

/// ln x (libm).
enum Logarithm: UnaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ x: S) -> S { S.log(x) }
}

/// √x.
enum SquareRoot: UnaryOperation {
    @inline(__always) static func apply<S: TensorScalar>(_ x: S) -> S { x.squareRoot() }
}
