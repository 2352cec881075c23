import CKernels
import Parallel

// Gather and scatter over rows, and sums over CSR segments: the message-passing primitives of GNNs.
// Scatters add each destination row's edges in edge order, so results never depend on thread count or timing.
extension Tensor {
    /// Rows `indices` of a [n, f] matrix, as an [e, f] matrix.
    ///
    /// Backward scatters the gradient rows back, summing repeats.
    @_specialize(where S == Float)
    public func gather(rows indices: [Int32]) -> Tensor {
        precondition(rank == 2, "gather: shape \(shape) is not a matrix")
        let (n, f) = (shape[0], shape[1])
        for index in indices { precondition(index >= 0 && Int(index) < n, "gather: row \(index) of \(n)") }
        let stream = Parallelism.streams(S.self, count: indices.count * f)
        let out = values.withUnsafeBufferPointer { x in
            [S].filled(count: indices.count * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                guard let x0 = x.baseAddress else { return }
                let edges = (range.lowerBound / f)..<(range.upperBound / f)
                Self.gatherRows(x0, rows: indices[edges], width: f, stream: stream, into: o + range.lowerBound)
            }
        }
        return Self.result(shape: [indices.count, f], values: out, inputs: [self]) { g in
            [g.scatterAdd(rows: indices, count: n).detached]
        }
    }

    /// Adds row e of a [e, f] matrix into row `indices[e]` of an [count, f] zero matrix.
    ///
    /// Race-free, and each row's sum is taken in an order fixed by the indices alone, so it is the same bits on any
    /// number of threads:
    /// - indices in order (edges stored by destination) or fewer than 2 × `Parallelism.grain` elements: each row
    ///   adds its edges in edge order. The destination rows are split into one contiguous block per thread; each
    ///   walks every edge and adds those that land in it.
    /// - indices out of order: the edges are cut into two halves, each row's edges of a half are added in edge order
    ///   onto zeros (one block of an array per half, each split into blocks of rows as above, half the threads each),
    ///   and the row is the first half's sum plus the second's. With the rows of a random order split into blocks,
    ///   every thread streamed all the edge rows: two threads took longer than one (300,000 rows of 64 into 25,000: 5.2
    ///   ms against 4.4). With halves each thread reads its own, 3.1 ms on two threads; 5.1 ms on one, which zeroes and
    ///   adds the second block (AMD EPYC, 2026-12-06; on Sapphire Rapids, 2026-12-02, an earlier halving was no faster
    ///   on two threads).
    ///
    /// Backward gathers.
    @_specialize(where S == Float)
    public func scatterAdd(rows indices: [Int32], count: Int) -> Tensor {
        precondition(rank == 2 && shape[0] == indices.count, "scatterAdd: shape \(shape), \(indices.count) rows")
        for index in indices { precondition(index >= 0 && Int(index) < count, "scatterAdd: row \(index) of \(count)") }
        let f = shape[1]
        let large = values.count >= 2 * Parallelism.grain
        let halves = large && !Self.isNondecreasing(indices)
        let parts = halves ? 2 : 1
        let blocks = large ? Swift.max(1, Swift.min(Parallelism.threads / parts, count)) : 1
        // Each part's sums, one [count, f] block after the other in one array; the second block is then added
        // onto the first and dropped (the array keeps its capacity). With an array of its own for the second
        // half, glibc's default thresholds handed both back to the kernel at the end of each benchmark step, to be
        // faulted in again: 8 times the page faults and scatter-add 1.3–1.5× slower without freed blocks kept; with
        // them kept the two forms are level within this VM's noise (0.92–1.01×; AMD EPYC, 2026-12-06).
        let size = count * f
        var out = [S](repeating: 0, count: parts * size)
        out.withUnsafeMutableBufferPointer { ov in
            values.withUnsafeBufferPointer { x in
                guard let o = ov.baseAddress, let x0 = x.baseAddress else { return }
                nonisolated(unsafe) let sums = o
                let tasks = parts * blocks
                parallelFor(tasks, threads: large ? Swift.min(tasks, Parallelism.threads) : 1) { task in
                    let (part, block) = task.quotientAndRemainder(dividingBy: blocks)
                    let edges = (indices.count * part / parts)..<(indices.count * (part + 1) / parts)
                    let rows = (count * block / blocks)..<(count * (block + 1) / blocks)
                    Self.scatterAddRows(
                        x0 + edges.lowerBound * f, rows: indices[edges], width: f, within: rows,
                        into: sums + part * size)
                }
                guard halves else { return }
                nonisolated(unsafe) let second = o + size
                Parallelism.forEachRange(size) { range in
                    for i in range { sums[i] += second[i] }
                }
            }
        }
        if halves { out.removeLast(size) }
        return Self.result(shape: [count, f], values: out, inputs: [self]) { g in
            [g.detached.gather(rows: indices)]
        }
    }

    /// Whether indices[i] ≤ indices[i + 1] throughout.
    static func isNondecreasing(_ indices: [Int32]) -> Bool {
        indices.withUnsafeBufferPointer { i in
            for k in i.indices.dropFirst() where i[k - 1] > i[k] { return false }
            return true
        }
    }

    /// Rows `index` of x (rows of `width`), in order, into `out` [index.count, width]: the C loop for Float
    /// (`xtal_gather_rows`, which prefetches the rows ahead and streams its stores when `stream` is 1,
    /// `Parallelism.streams`), a copy per row for Double.
    @inline(__always)
    static func gatherRows(
        _ x: UnsafePointer<S>, rows index: ArraySlice<Int32>, width: Int, stream: Int32 = 0,
        into out: UnsafeMutablePointer<S>
    ) {
        guard S.self == Float.self else {
            for (e, row) in index.enumerated() { (out + e * width).update(from: x + Int(row) * width, count: width) }
            return
        }
        index.withUnsafeBufferPointer { i in
            guard let i0 = i.baseAddress else { return }
            xtal_gather_rows(floatPointer(x), i0, i.count, width, stream, floatPointer(out))
        }
    }

    /// Row e of x [index.count, width] into row index[e] of `out` for each e (no index twice): the C loop for Float
    /// (`xtal_scatter_rows`, which prefetches the rows ahead for writing), a copy per row for Double.
    @inline(__always)
    static func scatterRows(
        _ x: UnsafePointer<S>, rows index: ArraySlice<Int32>, width: Int, into out: UnsafeMutablePointer<S>
    ) {
        guard S.self == Float.self else {
            for (e, row) in index.enumerated() { (out + Int(row) * width).update(from: x + e * width, count: width) }
            return
        }
        index.withUnsafeBufferPointer { i in
            guard let i0 = i.baseAddress else { return }
            xtal_scatter_rows(floatPointer(x), i0, i.count, width, floatPointer(out))
        }
    }

    /// Adds row e of x [index.count, width] into row index[e] of `out` for each e, in order, whose index lies in
    /// `rows` (the others are skipped): the C loop for Float (`xtal_scatter_add_rows`, which prefetches the rows
    /// ahead), the same additions in Swift for Double.
    @inline(__always)
    static func scatterAddRows(
        _ x: UnsafePointer<S>, rows index: ArraySlice<Int32>, width: Int, within rows: Range<Int>,
        into out: UnsafeMutablePointer<S>
    ) {
        guard S.self == Float.self else {
            for (e, row) in index.enumerated() where rows.contains(Int(row)) {
                let (target, source) = (out + Int(row) * width, x + e * width)
                for j in 0..<width { target[j] += source[j] }
            }
            return
        }
        index.withUnsafeBufferPointer { i in
            guard let i0 = i.baseAddress else { return }
            xtal_scatter_add_rows(
                floatPointer(x), i0, i.count, width, Int32(rows.lowerBound), Int32(rows.upperBound), floatPointer(out))
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
                guard let x0 = x.baseAddress else { return }
                for s in (range.lowerBound / f)..<(range.upperBound / f) {
                    let target = o + s * f
                    target.initialize(repeating: 0, count: f)
                    for row in offsets[s]..<offsets[s + 1] {
                        let source = x0 + row * f
                        for j in 0..<f { target[j] += source[j] }
                    }
                }
            }
        }
        let rows = shape[0]
        return Self.result(shape: [segments, f], values: out, inputs: [self]) { g in
            // Each row receives its segment's gradient row; rows outside every segment do not exist (the
            // offsets cover 0..<rows).
            let grad = g.values.withUnsafeBufferPointer { gv in
                [S].filled(count: rows * f, grain: Parallelism.rowGrain(width: f)) { range, o in
                    guard let g0 = gv.baseAddress else { return }
                    // The segment of the first row of this range, then walk forwards.
                    var s = Self.segment(containing: range.lowerBound / f, offsets: offsets)
                    for row in (range.lowerBound / f)..<(range.upperBound / f) {
                        while offsets[s + 1] <= row { s += 1 }
                        (o + row * f).update(from: g0 + s * f, count: f)
                    }
                }
            }
            return [Tensor(shape: [rows, f], values: grad)]
        }
    }

    /// The segment s with offsets[s] ≤ row < offsets[s + 1] (the last such when empty segments repeat an
    /// offset), by binary search.
    static func segment(containing row: Int, offsets: [Int]) -> Int {
        var (low, high) = (0, offsets.count - 1)  // offsets[low] ≤ row < offsets[high]
        while high - low > 1 {
            let middle = (low + high) / 2
            if offsets[middle] <= row { low = middle } else { high = middle }
        }
        return low
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
        checkGathered(a, aRows, b, bRows, plus: c.shape, op: "gatheredSum")
        let (na, nb, f) = (a.shape[0], b.shape[0], c.shape[1])
        let out = withBaseAddresses([a.values, b.values, c.values]) { p in
            [S].filled(count: c.count, grain: Parallelism.rowGrain(width: f)) { range, o in
                guard let a0 = p[0], let b0 = p[1], let c0 = p[2] else { return }
                for e in (range.lowerBound / f)..<(range.upperBound / f) {
                    gatheredRow(e, a0, aRows, b0, bRows, plus: c0 + e * f, into: o + e * f, width: f)
                }
            }
        }
        return result(shape: c.shape, values: out, inputs: [a, b, c]) { g in
            let plain = g.detached
            return [plain.scatterAdd(rows: aRows, count: na), plain.scatterAdd(rows: bRows, count: nb), plain]
        }
    }

    /// a[aRows[e]] + b[bRows[e]] + (u wᵀ)[e]: `gatheredSum(…, plus: u.matmul(w, transposeOther: true))` without
    /// storing u wᵀ [e, f], for u = `blocks.features`, the product run over those blocks.
    ///
    /// a, b [n, f], u [e, k], w [f, k]. Each block's gathered pairs are written first and gemm adds the product of
    /// the block's nonzero columns onto them (`blockProduct`): one [e, f] array written instead of three passes
    /// over two, and the product's exact zero terms skipped. The sums are the two ops' up to the product's rounding
    /// (OpenBLAS's depends on where a row lies in a gemm call), and `gatedMessageSums`' to the bit. Backward as
    /// the two ops': the gradient scattered into a's and b's rows, g w for u and gᵀ u for w (each only when
    /// tracked).
    @_specialize(where S == Float)
    public static func gatheredSum(
        _ a: Tensor, rows aRows: [Int32], _ b: Tensor, rows bRows: [Int32], plus blocks: EdgeBlocks<S>, times w: Tensor
    ) -> Tensor {
        let (edges, width, depth) = checkGatheredProduct(a, aRows, b, bRows, blocks, w, op: "gatheredSum")
        let u = blocks.features
        let out = withBaseAddresses([a.values, b.values, blocks.packed, w.values]) { p in
            [S].uninitialized(count: edges * width) { o in
                guard let a0 = p[0], let b0 = p[1], let u0 = p[2], let w0 = p[3] else { return }
                nonisolated(unsafe) let out = o
                blocks.forEachChunk { _, chunk in
                    let z = UnsafeMutablePointer<S>.allocate(capacity: Parallelism.gemmRows * width)
                    defer { z.deallocate() }
                    for block in blocks.blocks[chunk.blocks] {
                        blockProduct(
                            block, blocks.order, a0, aRows, b0, bRows, packed: u0, w0, depth: depth, width: width,
                            into: z)
                        // Each row to its edge's place: `order` is a permutation, so every row is written once.
                        scatterRows(z, rows: blocks.order[block.positions], width: width, into: out)
                    }
                }
            }
        }
        let (na, nb) = (a.shape[0], b.shape[0])
        let wConstant = w.detached
        let (needU, needW) = (u.isTracked, w.isTracked)
        return result(shape: [edges, width], values: out, inputs: [a, b, u, w]) { g in
            let plain = g.detached
            return [
                plain.scatterAdd(rows: aRows, count: na), plain.scatterAdd(rows: bRows, count: nb),
                needU ? plain.matmul(wConstant) : nil, needW ? productWeightGradient(plain, blocks) : nil,
            ]
        }
    }

    /// gᵀ u [f, k] for g [e, f] and u = `blocks.features` [e, k]: the product form's gradient for w, over the
    /// same blocks and columns as its forward.
    ///
    /// Each block adds its rows' gᵀ u in its columns (g's rows gathered in the block's order) onto its chunk's
    /// partial sum; the partials are added in chunk order, so the bits never depend on the thread count. The
    /// columns a block skips are exact zeros of u, so nothing is lost; 0.53× the multiply-adds of `matmul` for
    /// CGCNN's Gaussians.
    static func productWeightGradient(_ g: Tensor, _ blocks: EdgeBlocks<S>) -> Tensor {
        let (width, depth, chunks) = (g.shape[1], blocks.features.shape[1], blocks.chunks.count)
        let size = width * depth
        var partials = [S](repeating: 0, count: chunks * size)
        partials.withUnsafeMutableBufferPointer { pp in
            withBaseAddresses([g.values, blocks.packed]) { p in
                guard let base = pp.baseAddress, let g0 = p[0], let u0 = p[1] else { return }
                nonisolated(unsafe) let partial = base
                blocks.forEachChunk { index, chunk in
                    let rows = UnsafeMutablePointer<S>.allocate(capacity: Parallelism.gemmRows * width)
                    defer { rows.deallocate() }
                    for block in blocks.blocks[chunk.blocks] {
                        gatherRows(g0, rows: blocks.order[block.positions], width: width, into: rows)
                        Parallelism.prepareBLAS()
                        S.gemm(
                            transposeA: true, transposeB: false, m: width, n: block.columns.count,
                            k: block.positions.count, alpha: 1, a: rows, lda: width, b: u0 + block.packed,
                            ldb: block.columns.count, beta: 1, c: partial + index * size + block.columns.lowerBound,
                            ldc: depth)
                    }
                }
            }
        }
        return Tensor(
            shape: [width, depth], values: sumInOrder(partials, parts: chunks, onto: [S](repeating: 0, count: size)))
    }
}

extension Tensor {
    /// The messages σ(z[:, :h]) ⊙ softplus(z[:, h:]) of each edge summed over its segment, for
    /// z = (a[aRows[e]] + b[bRows[e]] + (u wᵀ)[e]) · scale + shift: a gated convolution's aggregation in one pass.
    ///
    /// a, b [n, 2h], u = `blocks.features` [e, k], w [2h, k], `affine` scale and shift [2h] (nil: none); the
    /// segments are the blocks'; the result is [segments, h]. What `gatheredSum(…, plus: blocks, times: w)`, an
    /// evaluation-mode batch norm's `affine`, `sigmoidGatedSoftplus` and `segmentSum` compute, chunk by chunk of
    /// `blocks`: neither z [e, 2h] nor the messages [e, h] are ever stored whole (a block's z and a chunk's
    /// messages stay in cache), which saves writing and reading them and the page faults of their fresh memory.
    /// The same operations in the same order (each segment's messages added in edge order onto zeros), so the same
    /// bits as the four ops. Inference only: no input may be tracked.
    @_specialize(where S == Float)
    public static func gatedMessageSums(
        _ a: Tensor, rows aRows: [Int32], _ b: Tensor, rows bRows: [Int32], plus blocks: EdgeBlocks<S>, times w: Tensor,
        affine: (scale: Tensor, shift: Tensor)?
    ) -> Tensor {
        let (_, width, depth) = checkGatheredProduct(a, aRows, b, bRows, blocks, w, op: "gatedMessageSums")
        precondition(
            width % 2 == 0 && affine.map { $0.scale.shape == [width] && $0.shift.shape == [width] } ?? true,
            "gatedMessageSums: u wᵀ [\(blocks.features.shape[0]), \(width)], scale \(affine?.scale.shape ?? []), "
                + "shift \(affine?.shift.shape ?? [])")
        precondition(
            ![a, b, blocks.features, w, affine?.scale, affine?.shift].contains { $0?.isTracked == true },
            "gatedMessageSums: for inference; a tracked input needs gatheredSum, affine, sigmoidGatedSoftplus and "
                + "segmentSum")
        let (h, segments, offsets) = (width / 2, blocks.offsets.count - 1, blocks.offsets)
        // Empty when there is no affine step (an empty array may still have a base address: test `affine`).
        let (scales, shifts) = (affine?.scale.values ?? [], affine?.shift.values ?? [])
        let out = withBaseAddresses([a.values, b.values, blocks.packed, w.values, scales, shifts]) { p in
            [S].uninitialized(count: segments * h) { o in
                nonisolated(unsafe) let out = o
                blocks.forEachChunk { _, chunk in
                    let edges = offsets[chunk.segments.lowerBound]..<offsets[chunk.segments.upperBound]
                    let scratch = Parallelism.gemmRows * width
                    let z = UnsafeMutablePointer<S>.allocate(capacity: scratch + edges.count * h)
                    defer { z.deallocate() }
                    let messages = z + scratch
                    if let a0 = p[0], let b0 = p[1], let u0 = p[2], let w0 = p[3] {
                        for block in blocks.blocks[chunk.blocks] {
                            blockProduct(
                                block, blocks.order, a0, aRows, b0, bRows, packed: u0, w0, depth: depth, width: width,
                                into: z)
                            // The affine step as `affine` computes it: a product rounded, then a sum. The
                            // messages stay in the blocks' order (the chunk's edges begin at its first position).
                            let scaling = affine != nil ? p[4].flatMap { s0 in p[5].map { (s0, $0) } } : nil
                            gatedRows(
                                z, affine: scaling,
                                into: messages + (block.positions.lowerBound - edges.lowerBound) * h,
                                keeping: nil, keepStride: 0, rows: block.positions.count, width: h)
                        }
                    }
                    // As `segmentSum`: each segment's rows added in edge order onto zeros.
                    for s in chunk.segments {
                        let target = out + s * h
                        target.initialize(repeating: 0, count: h)
                        for e in offsets[s]..<offsets[s + 1] {
                            let source = messages + (Int(blocks.position[e]) - edges.lowerBound) * h
                            for j in 0..<h { target[j] += source[j] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [segments, h], values: out)
    }

    /// The preconditions of a gathered sum: a [na, f], b [nb, f], the added term c [e, f], e rows of a and of
    /// b, all in range.
    static func checkGathered(
        _ a: Tensor, _ aRows: [Int32], _ b: Tensor, _ bRows: [Int32], plus c: [Int], op: String
    ) {
        precondition(
            a.rank == 2 && b.rank == 2 && c.count == 2 && a.shape[1] == c[1] && b.shape[1] == c[1]
                && aRows.count == c[0] && bRows.count == c[0],
            "\(op): a \(a.shape), b \(b.shape), c \(c), \(aRows.count) and \(bRows.count) rows")
        let (na, nb) = (a.shape[0], b.shape[0])
        for index in aRows { precondition(index >= 0 && Int(index) < na, "\(op): row \(index) of \(na)") }
        for index in bRows { precondition(index >= 0 && Int(index) < nb, "\(op): row \(index) of \(nb)") }
    }

    /// The preconditions of a gathered sum with a product: u = `blocks.features` [e, k], w [f, k] with k > 0, and
    /// `checkGathered` for the [e, f] term.
    ///
    /// - Returns: e, f and k.
    static func checkGatheredProduct(
        _ a: Tensor, _ aRows: [Int32], _ b: Tensor, _ bRows: [Int32], _ blocks: EdgeBlocks<S>, _ w: Tensor, op: String
    ) -> (edges: Int, width: Int, depth: Int) {
        let u = blocks.features
        precondition(
            u.rank == 2 && w.rank == 2 && u.shape[1] == w.shape[1] && u.shape[1] > 0,
            "\(op): u \(u.shape), w \(w.shape) (u wᵀ)")
        checkGathered(a, aRows, b, bRows, plus: [u.shape[0], w.shape[0]], op: op)
        return (u.shape[0], w.shape[0], u.shape[1])
    }

    /// A block's rows of a[aRows] + b[bRows] + u wᵀ, in the block's order, into z ([rows, width], row-major): the
    /// gathered pairs first, then one gemm adding the product of the block's columns onto them (β = 1).
    ///
    /// `packed` is the blocks' packed u (`EdgeBlocks.packed`). Each element is (a + b) + (u wᵀ) once rounded, as
    /// `gatheredRow` adds a stored product row; β = 1 also spares gemm its first pass over C (with β = 0 it zeroes
    /// C).
    @inline(__always)
    static func blockProduct(
        _ block: EdgeBlocks<S>.Block, _ order: [Int32], _ a: UnsafePointer<S>, _ aRows: [Int32], _ b: UnsafePointer<S>,
        _ bRows: [Int32], packed u: UnsafePointer<S>, _ w: UnsafePointer<S>, depth: Int, width: Int,
        into z: UnsafeMutablePointer<S>
    ) {
        for (i, position) in block.positions.enumerated() {
            gatheredRow(Int(order[position]), a, aRows, b, bRows, plus: nil, into: z + i * width, width: width)
        }
        Parallelism.prepareBLAS()
        S.gemm(
            transposeA: false, transposeB: true, m: block.positions.count, n: width, k: block.columns.count,
            alpha: 1, a: u + block.packed, lda: block.columns.count, b: w + block.columns.lowerBound, ldb: depth,
            beta: 1, c: z, ldc: width)
    }

    /// Row e of a gathered sum, a[aRows[e]] + b[bRows[e]] (+ c, that row of the added term, unless nil), `width`
    /// elements each, into `target`.
    @inline(__always)
    static func gatheredRow(
        _ e: Int, _ a: UnsafePointer<S>, _ aRows: [Int32], _ b: UnsafePointer<S>, _ bRows: [Int32],
        plus c: UnsafePointer<S>?, into target: UnsafeMutablePointer<S>, width: Int
    ) {
        let (ra, rb) = (a + Int(aRows[e]) * width, b + Int(bRows[e]) * width)
        if let c {
            for j in 0..<width { target[j] = ra[j] + rb[j] + c[j] }
        } else {
            for j in 0..<width { target[j] = ra[j] + rb[j] }
        }
    }
}
