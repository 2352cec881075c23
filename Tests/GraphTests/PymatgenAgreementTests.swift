import Crystal
import Foundation
import Testing

@testable import Graph

/// Neighbour lists of 200 real MatBench crystals against pymatgen's `Structure.get_all_neighbors`, recorded
/// once by `scripts/fixtures/graph_expected.py` in `Fixtures/pymatgen-neighbors.json.gz`.
@Suite struct PymatgenAgreementTests {
    struct Fixture: Decodable {
        struct Entry: Decodable {
            var id: String
            var lattice: [[Double]]
            var numbers: [Int]
            var fracCoords: [[Double]]
            /// Per atom: [j, image a, image b, image c, distance in 1e-7 Å], sorted.
            var near: [[[Int]]]
            var farCounts: [Int]

            var crystal: Crystal {
                Crystal(
                    id: id, lattice: Lattice(rowMajor: lattice.flatMap { $0 }),
                    sites: zip(numbers, fracCoords).map { z, f in
                        Site(Element(atomicNumber: z) ?? NamedCrystals.element("H"), SIMD3(f[0], f[1], f[2]))
                    })
            }
        }
        var nearCutoff: Double
        var farCutoff: Double
        var crystals: [Entry]
    }

    static func load() throws -> Fixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pymatgen-neighbors.json.gz").path
        var source = try openByteSource(path)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            bytes += buffer.prefix(count)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Fixture.self, from: Data(bytes))
    }

    @Test func neighboursMatchPymatgenOnRealCrystals() throws {
        let fixture = try Self.load()
        #expect(fixture.crystals.count == 200)
        var compared = 0
        for entry in fixture.crystals {
            let crystal = entry.crystal
            let atoms = Array(crystal.sites.indices)
            let near = NeighborFinder(cutoff: fixture.nearCutoff, count: .max).neighbors(of: atoms, in: crystal)
            let far = NeighborFinder(cutoff: fixture.farCutoff, count: .max).neighbors(of: atoms, in: crystal)
            for atom in atoms {
                // Same neighbours through the same images; distances to 1e-6 Å (the fixture keeps 1e-7).
                let ours = near[atom].map { n in
                    [Int(n.atom), Int(n.image.x), Int(n.image.y), Int(n.image.z), Int((n.distance * 1e7).rounded())]
                }.sorted { $0.lexicographicallyPrecedes($1) }
                let theirs = entry.near[atom]
                #expect(ours.map { $0.prefix(4) } == theirs.map { $0.prefix(4) }, "\(entry.id) atom \(atom)")
                if ours.count == theirs.count {
                    for (a, b) in zip(ours, theirs) { #expect(abs(a[4] - b[4]) <= 10, "\(entry.id) atom \(atom)") }
                }
                #expect(far[atom].count == entry.farCounts[atom], "\(entry.id) atom \(atom)")
                compared += theirs.count
            }
        }
        #expect(compared > 10_000)
    }
}
