import Parallel

/// The gemm blocks of a product u wᵀ over the edges of a CSR-segmented graph, for rows u [e, k] that are banded:
/// each row's nonzeros lie in a short run of columns (CGCNN's Gaussian distance features: about 19 of 41 centres,
/// the rest exact zeros; `GaussianBasis.expand`).
///
/// Consecutive segments (a segment: the edges into one atom) are grouped into chunks of at least `chunkEdges`
/// edges. A chunk's edges are ordered by their first nonzero column (stably), cut into blocks of at most
/// `Parallelism.gemmRows` rows, and each block multiplies only the columns where its rows have nonzeros: about 22
/// of 41 for CGCNN's features on the dielectric set, 47 % fewer multiply-adds. Dropping exact zero terms changes
/// no sum: gemm adds an element's terms in column order onto +0 (checked on OpenBLAS's Zen, Haswell, Sandy
/// Bridge, Nehalem and Prescott kernels). But OpenBLAS rounds a row's product differently depending on where in
/// a call the row lies, so the two forms of the product — `gatheredSum(…, plus: blocks, times:)` for training,
/// `gatedMessageSums` for inference — run these very blocks and agree to the bit. The blocks depend on u's zeros
/// and the segments alone, never on the thread count. Chunks hold whole segments, so that the inference form can
/// sum each segment's messages while they are in cache.
public struct EdgeBlocks<S: TensorScalar>: Sendable {
    /// One gemm call: the sorted positions `positions` (indices into `order`), the columns it multiplies, and
    /// where in `packed` its rows' u in those columns start ([positions.count, columns.count], row-major).
    struct Block: Sendable, Equatable {
        var positions: Range<Int>
        var columns: Range<Int>
        var packed: Int
    }

    /// Segments `segments` (edges offsets[s]..<offsets[s + 1]), whose edges are the sorted positions
    /// offsets[segments.lowerBound]..<offsets[segments.upperBound], and their blocks (indices into `blocks`).
    struct Chunk: Sendable, Equatable {
        var segments: Range<Int>
        var blocks: Range<Int>
    }

    /// u [e, k], the features the blocks were made from.
    public let features: Tensor<S>
    /// CSR offsets of the segments over the edges.
    let offsets: [Int]
    /// order[p]: the edge at sorted position p; a chunk's positions hold that chunk's edges.
    let order: [Int32]
    /// position[e]: the sorted position of edge e (order's inverse).
    let position: [Int32]
    let chunks: [Chunk]
    let blocks: [Block]
    /// Each block's u, packed: the A of its gemm, made once for every product over these edges.
    ///
    /// A chunk's blocks start where its edges' rows of u would ([e, k] elements in all; the rest is never read).
    let packed: [S]

    /// The blocks of features u [e, k] over segments `offsets` (CSR, offsets.last == e); which entries of u are
    /// exactly 0 decides the blocks' columns.
    @_specialize(where S == Float)
    public init(_ u: Tensor<S>, segments offsets: [Int], chunkEdges: Int = 1024) {
        precondition(
            u.rank == 2 && offsets.first == 0 && offsets.last == u.shape[0]
                && zip(offsets, offsets.dropFirst()).allSatisfy(<=) && chunkEdges > 0,
            "EdgeBlocks: u \(u.shape), offsets \(offsets.prefix(4))…, chunkEdges \(chunkEdges)")
        let (edges, depth) = (u.shape[0], u.shape[1])
        // Chunks of whole segments, at least `chunkEdges` edges each (the last may have fewer), and how many
        // blocks each makes.
        var chunks: [Chunk] = []
        var (segment, blockCount) = (0, 0)
        let segmentCount = offsets.count - 1
        while segment < segmentCount {
            var end = segment + 1
            while end < segmentCount && offsets[end] - offsets[segment] < chunkEdges { end += 1 }
            let pieces = (offsets[end] - offsets[segment] + Parallelism.gemmRows - 1) / Parallelism.gemmRows
            chunks.append(Chunk(segments: segment..<end, blocks: blockCount..<(blockCount + pieces)))
            (segment, blockCount) = (end, blockCount + pieces)
        }
        // Each chunk fills its own part of every array, on its own (so in parallel): its positions in `order`, its
        // blocks, and its packed rows from its edges' place in u's layout on (they take at most as much).
        var order = [Int32](repeating: 0, count: edges)
        var blocks = [Block](repeating: Block(positions: 0..<0, columns: 0..<0, packed: 0), count: blockCount)
        var packed = [S].uninitialized(count: edges * depth) { _ in }
        u.values.withUnsafeBufferPointer { v in
            order.withUnsafeMutableBufferPointer { o in
                blocks.withUnsafeMutableBufferPointer { b in
                    packed.withUnsafeMutableBufferPointer { p in
                        guard let v0 = v.baseAddress, let o0 = o.baseAddress, let b0 = b.baseAddress,
                            let p0 = p.baseAddress
                        else { return }
                        nonisolated(unsafe) let (order, blocks, packed) = (o0, b0, p0)
                        parallelFor(chunks.count, threads: Self.threads(edges: edges)) { c in
                            let chunk = chunks[c]
                            Self.fill(
                                offsets[chunk.segments.lowerBound]..<offsets[chunk.segments.upperBound], v0,
                                depth: depth, order: order, blocks: blocks + chunk.blocks.lowerBound,
                                count: chunk.blocks.count, packed: packed)
                        }
                    }
                }
            }
        }
        var position = [Int32](repeating: 0, count: edges)
        for (p, e) in order.enumerated() { position[Int(e)] = Int32(p) }
        (self.features, self.offsets, self.order, self.position) = (u, offsets, order, position)
        (self.chunks, self.blocks, self.packed) = (chunks, blocks, packed)
    }

    /// One chunk's part, its edges `span`: each row's first and last nonzero column (a row without any sorts last
    /// and adds no columns), the counting sort into order[span], its `count` blocks, and their packed rows from
    /// packed[span.lowerBound · depth] on — while the chunk's rows of u are in cache.
    private static func fill(
        _ span: Range<Int>, _ u: UnsafePointer<S>, depth: Int, order: UnsafeMutablePointer<Int32>,
        blocks: UnsafeMutablePointer<Block>, count pieces: Int, packed: UnsafeMutablePointer<S>
    ) {
        var (first, last) = ([Int](repeating: depth, count: span.count), [Int](repeating: -1, count: span.count))
        for e in span {
            let row = u + e * depth
            var low = 0
            while low < depth && row[low] == 0 { low += 1 }
            guard low < depth else { continue }
            var high = depth - 1
            while row[high] == 0 { high -= 1 }
            (first[e - span.lowerBound], last[e - span.lowerBound]) = (low, high)
        }
        // Counting sort by first nonzero column: stable, so the order depends on the data alone.
        var counts = [Int](repeating: 0, count: depth + 2)
        for key in first { counts[key + 1] += 1 }
        for c in 1..<counts.count { counts[c] += counts[c - 1] }
        for (i, key) in first.enumerated() {
            order[span.lowerBound + counts[key]] = Int32(span.lowerBound + i)
            counts[key] += 1
        }
        var target = span.lowerBound * depth
        for piece in 0..<pieces {
            let lower = span.lowerBound + span.count * piece / pieces
            let positions = lower..<(span.lowerBound + span.count * (piece + 1) / pieces)
            var (low, high) = (depth, -1)
            for position in positions {
                let local = Int(order[position]) - span.lowerBound
                (low, high) = (Swift.min(low, first[local]), Swift.max(high, last[local]))
            }
            // A block of zero rows still makes one (zero) column's call: it adds +0, as a full product does.
            let columns = low <= high ? low..<(high + 1) : 0..<1
            blocks[piece] = Block(positions: positions, columns: columns, packed: target)
            for position in positions {
                (packed + target).update(
                    from: u + Int(order[position]) * depth + columns.lowerBound, count: columns.count)
                target += columns.count
            }
        }
    }

    /// Runs `body` for every chunk (its index and itself), on `Parallelism.threads` threads when there are enough
    /// edges.
    ///
    /// Chunks are independent (each writes only its own rows), so results never depend on which thread runs which.
    func forEachChunk(_ body: (Int, Chunk) -> Void) {
        parallelFor(chunks.count, threads: Self.threads(edges: features.shape[0])) { body($0, chunks[$0]) }
    }

    /// `Parallelism.threads` when there are at least two blocks' worth of edges to share, else 1.
    private static func threads(edges: Int) -> Int { edges >= 2 * Parallelism.gemmRows ? Parallelism.threads : 1 }

    /// The mean number of columns a block multiplies, weighted by its rows (u's depth when nothing is dropped).
    var meanColumns: Double {
        let rows = blocks.reduce(0) { $0 + $1.positions.count }
        return rows == 0 ? 0 : Double(blocks.reduce(0) { $0 + $1.positions.count * $1.columns.count }) / Double(rows)
    }
}
