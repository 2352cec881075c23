import Crystal
import Store

/// Reads the crystals of a `crystals.h5` (encoding `crystals` v1, docs/store-format.md §5) in blocks, so
/// memory holds one block of crystals plus their ids and offsets, never the whole file.
final class CrystalsReader {
    /// Crystals read per block.
    static let blockSize = 1024

    /// The file read.
    let path: String
    /// Every crystal's id, in file order.
    let ids: [String]
    private let root: StoreGroup
    private let nodePtr: [Int64]
    private let threads: Int
    private var block: [Crystal] = []
    private var blockStart = 0
    /// The index of the next crystal `next()` returns.
    private(set) var position = 0
    /// The crystals `next()` goes through (a shard's range, or all).
    let rows: Range<Int>

    /// Opens `path` and reads its ids and atom offsets; `next()` will read crystals `rows` (default: all).
    ///
    /// - Throws: `StoreError` when the file is missing, of another encoding, or inconsistent.
    init(path: String, threads: Int, rows: ((Int) -> Range<Int>)? = nil) throws {
        self.path = path
        self.threads = threads
        root = try StoreFile.open(path).root
        _ = try root.requireEncoding("crystals", supported: ["1"])
        ids = try root.readStrings("graph_id")
        nodePtr = try root.read("node_ptr", as: Int64.self, threads: threads).values
        guard nodePtr.count == ids.count + 1, nodePtr.first == 0 else {
            throw StoreError.corrupt(
                file: path, object: "/node_ptr", reason: "\(nodePtr.count) offsets for \(ids.count) crystals")
        }
        self.rows = rows?(ids.count) ?? 0..<ids.count
        position = self.rows.lowerBound
        blockStart = position
    }

    /// Number of crystals.
    var count: Int { ids.count }

    /// The next crystal, or `nil` after the last.
    func next() throws -> Crystal? {
        guard position < rows.upperBound else { return nil }
        if position >= blockStart + block.count {
            blockStart = position
            block = try read(position..<min(rows.upperBound, position + Self.blockSize))
        }
        defer { position += 1 }
        return block[position - blockStart]
    }

    /// Crystals `range`, read with one row-range read per dataset.
    private func read(_ range: Range<Int>) throws -> [Crystal] {
        let atoms = Int(nodePtr[range.lowerBound])..<Int(nodePtr[range.upperBound])
        let lattices = try root.dataset("graph_lattice").read(rows: range, as: Double.self, threads: threads).values
        let numbers = try root.dataset("node_atomic_number").read(rows: atoms, as: UInt8.self, threads: threads).values
        let coords = try root.dataset("node_frac_coords").read(rows: atoms, as: Double.self, threads: threads).values
        var crystals: [Crystal] = []
        crystals.reserveCapacity(range.count)
        for (k, index) in range.enumerated() {
            let lattice = Lattice(rowMajor: Array(lattices[(9 * k)..<(9 * k + 9)]))
            var sites: [Site] = []
            let first = Int(nodePtr[index]) - atoms.lowerBound
            let last = Int(nodePtr[index + 1]) - atoms.lowerBound
            sites.reserveCapacity(last - first)
            for atom in first..<last {
                guard let element = Element(atomicNumber: Int(numbers[atom])) else {
                    throw StoreError.corrupt(
                        file: path, object: "/node_atomic_number",
                        reason: "atomic number \(numbers[atom]) of crystal \(ids[index])")
                }
                sites.append(Site(element, SIMD3(coords[3 * atom], coords[3 * atom + 1], coords[3 * atom + 2])))
            }
            crystals.append(Crystal(id: ids[index], lattice: lattice, sites: sites))
        }
        return crystals
    }
}
