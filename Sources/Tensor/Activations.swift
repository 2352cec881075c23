import CKernels

// Activation functions, each a kernel type whose forward and derivative are static functions: generic
// specialisation over the kernel type inlines them into plain loops (as closures they were called once per
// element, measured several times slower). For Float the exponential ones run the vectorised C loops of
// CKernels (AVX-512 / AVX2 / SSE, picked at load time; arithmetic-only exp and log1p), which compute the same
// formulas; the Swift definitions, on libm, are the Double reference the gradient checks run.

/// An elementwise activation: y = forward(x), dy/dx = derivative(x, y).
protocol ActivationKernel {
    static func forward<S: TensorScalar>(_ x: S) -> S
    static func derivative<S: TensorScalar>(_ x: S, _ y: S) -> S
    /// The vectorised Float loops of the same activation, or nil where the generic loop is as fast.
    static var float32: Float32Loops? { get }
}

extension ActivationKernel {
    static var float32: Float32Loops? { nil }
}

/// An activation's C loops over n contiguous Float elements: forward y = f(x), backward g ← g · f′(x) in place
/// (nil: the generic backward, for derivatives of y alone, which memory bandwidth bounds).
struct Float32Loops {
    let forward: @convention(c) (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
    let backward: (@convention(c) (UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, Int) -> Void)?
}

/// log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which neither overflows nor loses small values; derivative σ(x).
enum SoftplusKernel: ActivationKernel {
    @inline(__always) static func forward<S: TensorScalar>(_ x: S) -> S {
        Swift.max(x, 0) + S.log1p(S.exp(-Swift.abs(x)))
    }
    @inline(__always) static func derivative<S: TensorScalar>(_ x: S, _ y: S) -> S { SigmoidKernel.forward(x) }
    static var float32: Float32Loops? { Float32Loops(forward: xtal_softplus, backward: xtal_softplus_backward) }
}

/// σ(x) = 1 / (1 + e⁻ˣ), from e^−|x| ≤ 1 on both sides so nothing overflows; derivative y(1 − y).
enum SigmoidKernel: ActivationKernel {
    @inline(__always) static func forward<S: TensorScalar>(_ x: S) -> S {
        let e = S.exp(-Swift.abs(x))
        return x >= 0 ? 1 / (1 + e) : e / (1 + e)
    }
    @inline(__always) static func derivative<S: TensorScalar>(_ x: S, _ y: S) -> S { y * (1 - y) }
    static var float32: Float32Loops? { Float32Loops(forward: xtal_sigmoid, backward: nil) }
}

/// max(x, 0); derivative 1 for x > 0, else 0.
enum ReLUKernel: ActivationKernel {
    @inline(__always) static func forward<S: TensorScalar>(_ x: S) -> S { Swift.max(x, 0) }
    @inline(__always) static func derivative<S: TensorScalar>(_ x: S, _ y: S) -> S { x > 0 ? 1 : 0 }
}

/// x · σ(x) (SiLU, "swish"); derivative σ(x)(1 + x(1 − σ(x))).
enum SiLUKernel: ActivationKernel {
    @inline(__always) static func forward<S: TensorScalar>(_ x: S) -> S { x * SigmoidKernel.forward(x) }
    @inline(__always) static func derivative<S: TensorScalar>(_ x: S, _ y: S) -> S {
        let s = SigmoidKernel.forward(x)
        return s * (1 + x * (1 - s))
    }
    static var float32: Float32Loops? { Float32Loops(forward: xtal_silu, backward: xtal_silu_backward) }
}

/// tanh(x) (libm); derivative 1 − y².
enum TanhKernel: ActivationKernel {
    @inline(__always) static func forward<S: TensorScalar>(_ x: S) -> S { S.tanh(x) }
    @inline(__always) static func derivative<S: TensorScalar>(_ x: S, _ y: S) -> S { 1 - y * y }
}

/// `pointer` as a Float pointer, for the C loops (callers have checked that S is Float).
@inline(__always)
func floatPointer<S>(_ pointer: UnsafePointer<S>) -> UnsafePointer<Float> {
    UnsafeRawPointer(pointer).assumingMemoryBound(to: Float.self)
}

/// `pointer` as a mutable Float pointer, for the C loops (callers have checked that S is Float).
@inline(__always)
func floatPointer<S>(_ pointer: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Float.self)
}

extension Tensor {
    /// The activation `kernel` elementwise, recorded with its derivative.
    func activation<K: ActivationKernel>(_ kernel: K.Type) -> Tensor {
        let x = values
        let loops = S.self == Float.self ? K.float32 : nil
        let out = x.withUnsafeBufferPointer { xv in
            [S].filled(count: count) { range, o in
                guard let forward = loops?.forward, let x0 = xv.baseAddress else {
                    for i in range { o[i] = K.forward(xv[i]) }
                    return
                }
                forward(floatPointer(x0 + range.lowerBound), floatPointer(o + range.lowerBound), range.count)
            }
        }
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            // dx = g · f′ overwrites g where the tape hands over the only reference to it.
            let shape = g.shape
            var grad = Self.takeValues(&g)
            x.withUnsafeBufferPointer { xv in
                out.withUnsafeBufferPointer { yv in
                    grad.withUnsafeMutableBufferPointer { gv in
                        nonisolated(unsafe) let o = gv.baseAddress
                        Parallelism.forEachRange(gv.count) { range in
                            guard let o else { return }
                            guard let backward = loops?.backward, let x0 = xv.baseAddress else {
                                for i in range { o[i] *= K.derivative(xv[i], yv[i]) }
                                return
                            }
                            let start = range.lowerBound
                            backward(floatPointer(o + start), floatPointer(x0 + start), range.count)
                        }
                    }
                }
            }
            return [Tensor(shape: shape, values: grad)]
        }
    }

    /// log(1 + eˣ), numerically stable (`SoftplusKernel`).
    @_specialize(where S == Float)
    public func softplus() -> Tensor { activation(SoftplusKernel.self) }

    /// σ(x) (`SigmoidKernel`).
    @_specialize(where S == Float)
    public func sigmoid() -> Tensor { activation(SigmoidKernel.self) }

    /// max(x, 0).
    @_specialize(where S == Float)
    public func relu() -> Tensor { activation(ReLUKernel.self) }

    /// x · σ(x) (SiLU, "swish").
    @_specialize(where S == Float)
    public func silu() -> Tensor { activation(SiLUKernel.self) }

    /// tanh(x).
    @_specialize(where S == Float)
    public func tanh() -> Tensor { activation(TanhKernel.self) }

    /// log-softmax over the last axis: x − max − log Σ e^(x − max); the gradient is g − softmax · Σg.
    @_specialize(where S == Float)
    public func logSoftmax() -> Tensor {
        precondition(rank >= 1, "logSoftmax: shape \(shape)")
        let width = shape[rank - 1]
        let rows = width == 0 ? 0 : count / width
        var out = [S](repeating: 0, count: count)
        for row in 0..<rows {
            let base = row * width
            var top = -S.infinity
            for i in 0..<width { top = Swift.max(top, values[base + i]) }
            var sum: S = 0
            for i in 0..<width { sum += S.exp(values[base + i] - top) }
            let logSum = top + S.log(sum)
            for i in 0..<width { out[base + i] = values[base + i] - logSum }
        }
        return Self.result(shape: shape, values: out, inputs: [self]) { g in
            var grad = [S](repeating: 0, count: g.count)
            for row in 0..<rows {
                let base = row * width
                var total: S = 0
                for i in 0..<width { total += g.values[base + i] }
                for i in 0..<width { grad[base + i] = g.values[base + i] - S.exp(out[base + i]) * total }
            }
            return [Tensor(shape: g.shape, values: grad)]
        }
    }
}

extension Tensor {
    /// σ(x[:, :h]) ⊙ softplus(x[:, h:]) for x [n, 2h] → [n, h]: CGCNN's gated message, in one pass.
    ///
    /// Backward, with a the gate half and v the value half: ∂/∂a = g · softplus(v) · σ(a)(1 − σ(a)),
    /// ∂/∂v = g · σ(a) · σ(v). The forward keeps σ(a), softplus(v) and σ(v) (three [n, h] arrays) so the
    /// backward is arithmetic only; σ(v) costs no exponential more, from e^−|v| already computed for softplus.
    @_specialize(where S == Float)
    public func sigmoidGatedSoftplus() -> Tensor {
        precondition(rank == 2 && shape[1] % 2 == 0, "sigmoidGatedSoftplus: shape \(shape) has no even width")
        let (n, h) = (shape[0], shape[1] / 2)
        let (out, saved) = Self.gatedForward(values, rows: n, width: h, affine: nil, keep: isTracked)
        return Self.result(shape: [n, h], values: out, inputs: [self]) { g in
            [Tensor(shape: [n, 2 * h], values: Self.gatedBackward(g.values, saved: saved, rows: n, width: h))]
        }
    }

    /// The gated softplus of x [n, 2h] (of x · a + b per column when `affine` holds a and b [2h]) → [n, h], and
    /// when `keep` the three [n, h] arrays its backward needs (σ(gate), softplus(value), σ(value); else empty).
    static func gatedForward(_ x: [S], rows n: Int, width h: Int, affine: (a: [S], b: [S])?, keep: Bool) -> (
        out: [S], saved: [S]
    ) {
        let kept = keep ? 3 * n * h : 0
        // Not zeroed first: `gatedRows` writes every element (a serial zeroing pass over 3 [n, h] arrays was 3 % of
        // CGCNN training), and the first touch of each page then happens on the thread that fills it.
        var saved = [S].uninitialized(count: kept) { _ in }
        let (a, b) = (affine?.a ?? [], affine?.b ?? [])
        let out = withBaseAddresses([x, a, b]) { p in
            saved.withUnsafeMutableBufferPointer { sb in
                // An empty array may still have a base address: whether to keep is `keep`, not nil.
                nonisolated(unsafe) let saving = keep ? sb.baseAddress : nil
                let scaling = affine != nil ? p[1].flatMap { a0 in p[2].map { (a0, $0) } } : nil
                return [S].filled(count: n * h, grain: Parallelism.rowGrain(width: h)) { range, o in
                    guard let x0 = p[0] else { return }
                    let rows = (range.lowerBound / h)..<(range.upperBound / h)
                    Self.gatedRows(
                        x0 + rows.lowerBound * 2 * h, affine: scaling, into: o + rows.lowerBound * h,
                        keeping: saving.map { $0 + rows.lowerBound * h }, keepStride: n * h, rows: rows.count, width: h)
                }
            }
        }
        return (out, saved)
    }

    /// The gated softplus's backward: g [n, h] and the kept arrays of `gatedForward` → the gradient [n, 2h] of its
    /// input (of the affine step's output when it had one).
    static func gatedBackward(_ g: [S], saved: [S], rows n: Int, width h: Int) -> [S] {
        g.withUnsafeBufferPointer { gv in
            saved.withUnsafeBufferPointer { sb in
                [S].filled(count: n * 2 * h, grain: Parallelism.rowGrain(width: 2 * h)) { range, o in
                    guard let g0 = gv.baseAddress, let keep = sb.baseAddress else { return }
                    for row in (range.lowerBound / (2 * h))..<(range.upperBound / (2 * h)) {
                        let (incoming, a) = (g0 + row * h, keep + row * h)
                        let (p, s) = (keep + n * h + row * h, keep + 2 * n * h + row * h)
                        let (gateGrad, valueGrad) = (o + row * 2 * h, o + row * 2 * h + h)
                        for j in 0..<h {
                            gateGrad[j] = incoming[j] * p[j] * a[j] * (1 - a[j])
                            valueGrad[j] = incoming[j] * a[j] * s[j]
                        }
                    }
                }
            }
        }
    }

    /// σ(z[r, :h]) ⊙ softplus(z[r, h:]) for `rows` rows of x [rows, 2h] into out [rows, h], with z = x · a + b per
    /// column when `affine` gives a and b ([2h]; the product rounded, then the sum, as `affine` computes) or z = x.
    ///
    /// When `keep` is given it receives σ(gate), softplus(value) and σ(value) at keep[r·h + j],
    /// keep[stride + r·h + j] and keep[2·stride + r·h + j]. The C loop for Float (`xtal_gated_softplus`), the same
    /// formulas on libm for Double.
    @inline(__always)
    static func gatedRows(
        _ x: UnsafePointer<S>, affine: (UnsafePointer<S>, UnsafePointer<S>)?, into out: UnsafeMutablePointer<S>,
        keeping keep: UnsafeMutablePointer<S>?, keepStride: Int, rows: Int, width h: Int
    ) {
        if S.self == Float.self {
            xtal_gated_softplus(
                floatPointer(x), affine.map { floatPointer($0.0) }, affine.map { floatPointer($0.1) },
                floatPointer(out), keep.map(floatPointer), keepStride, rows, h)
            return
        }
        for row in 0..<rows {
            let (gate, value, target) = (x + row * 2 * h, x + row * 2 * h + h, out + row * h)
            for j in 0..<h {
                let (g, v) =
                    affine.map { (scale, shift) in
                        (gate[j] * scale[j] + shift[j], value[j] * scale[h + j] + shift[h + j])
                    } ?? (gate[j], value[j])
                // σ(v) and softplus(v) from one e^−|v|.
                let e = S.exp(-Swift.abs(v))
                let (a, p) = (SigmoidKernel.forward(g), Swift.max(v, 0) + S.log1p(e))
                if let keep {
                    (keep[row * h + j], keep[keepStride + row * h + j]) = (a, p)
                    keep[2 * keepStride + row * h + j] = v >= 0 ? 1 / (1 + e) : e / (1 + e)
                }
                target[j] = a * p
            }
        }
    }
}
