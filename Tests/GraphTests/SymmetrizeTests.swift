import Crystal
import Foundation
import Testing

@testable import Graph

/// `GraphParameters.symmetrize`: crystals idealised to their space group before the neighbour search.
@Suite struct SymmetrizeTests {
    /// Rock-salt NaCl, primitive cell (2 atoms) in an arbitrary orientation, with its lattice strained and its atoms
    /// moved apart by a few times `noise` Å (Fm-3m at spglib's tolerance 0.05 Å, not at 0.01).
    static func noisyRockSalt(noise: Double) -> Crystal {
        let a = 5.64 / 2
        let rows: [SIMD3<Double>] = [SIMD3(0, a, a), SIMD3(a, 0, a), SIMD3(a, a, 0)]
        // A rotation (about the axis (1, 2, 3)) so nothing is aligned with x, y, z, and a strain of 1e-5.
        let axis = SIMD3<Double>(1, 2, 3) / 14.0.squareRoot()
        func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> {
            let angle = 0.7
            return v * cos(angle) + cross(axis, v) * sin(angle) + axis * dot(axis, v) * (1 - cos(angle))
        }
        let strained = rows.enumerated().map { rotate($0.element * (1 + 1e-5 * Double($0.offset))) }
        let lattice = Lattice(a: strained[0], b: strained[1], c: strained[2])
        let shifts = [SIMD3<Double>(1, -1, 0.5), SIMD3<Double>(-0.5, 1, -1)].map { $0 * noise / a }
        return Crystal(
            id: "NaCl", lattice: lattice,
            sites: [
                Site(NamedCrystals.element("Na"), SIMD3(0, 0, 0) + shifts[0]),
                Site(NamedCrystals.element("Cl"), SIMD3(0.5, 0.5, 0.5) + shifts[1]),
            ])
    }

    @Test func idealisedRockSaltHasExactShells() throws {
        let crystal = Self.noisyRockSalt(noise: 2e-3)
        let symmetry = try #require(SymmetryAnalysis(crystal, symprec: 0.05, angleTolerance: 5, idealize: true))
        #expect(symmetry.spaceGroupNumber == 225)
        let ideal = try #require(symmetry.idealized)
        // Same cell, atom order and elements; atoms within the noise, lattice lengths within the strain.
        #expect(ideal.sites.map(\.element) == crystal.sites.map(\.element))
        for (x, y) in zip(ideal.sites, crystal.sites) {
            #expect(length(ideal.lattice.cartesian(x.fracCoords - y.fracCoords)) < 0.02)
        }
        for (x, y) in zip(
            [ideal.lattice.a, ideal.lattice.b, ideal.lattice.c],
            [
                crystal.lattice.a, crystal.lattice.b,
                crystal.lattice.c,
            ])
        {
            #expect(length(x - y) < 1e-3)
        }
        // Idealised: the three lattice vectors of the primitive fcc cell are equal in length and at 60°, and the
        // atoms are at 0 and ½ (up to a common shift).
        let lengths = ideal.lattice.lengths
        #expect(abs(lengths.x - lengths.y) < 1e-12 && abs(lengths.y - lengths.z) < 1e-12)
        let angles = ideal.lattice.anglesInDegrees
        for angle in [angles.x, angles.y, angles.z] { #expect(abs(angle - 60) < 1e-9) }
        let offset = ideal.sites[1].fracCoords - ideal.sites[0].fracCoords - SIMD3(repeating: 0.5)
        let residue = offset - offset.rounded(.toNearestOrAwayFromZero)
        #expect(max(abs(residue.x), abs(residue.y), abs(residue.z)) < 1e-12)
    }

    @Test func shellsSplitByNoiseAreWholeOnceIdealised() {
        // 6 + 12 nearest neighbours, then 8 at √3·a/2: the 24th neighbour is in that third shell. The noise
        // splits it by more than the 1e-3 Å ties allow on positions as given, so part of the shell is kept;
        // idealised, the whole shell ties.
        let crystal = Self.noisyRockSalt(noise: 2e-3)
        let raw = buildGraph(for: crystal, parameters: GraphParameters(method: .knn, k: 24))
        let ideal = buildGraph(
            for: crystal, parameters: GraphParameters(method: .knn, k: 24, symprec: 0.05, symmetrize: true))
        #expect(raw.edgeCount < 2 * 26)
        #expect(ideal.edgeCount == 2 * 26)
        #expect(ideal.spaceGroupNumber == 225 && ideal.note.isEmpty)
    }

    @Test func nearTiesThatAreNotSymmetricStaySplit() {
        // Simple tetragonal, c/a = 1.0001: 4 neighbours at a, 2 at c = a + 3e-4 Å. On positions as given the 1e-3 Å
        // ties join them; idealised (tetragonal at symprec 1e-5, so a ≠ c stays) only exact ties are kept.
        let crystal = Crystal(
            id: "Po", lattice: Lattice(lengths: SIMD3(3, 3, 3.0003), anglesInDegrees: SIMD3(repeating: 90)),
            sites: [Site(NamedCrystals.element("Po"), .zero)])
        let raw = buildGraph(for: crystal, parameters: GraphParameters(method: .knn, k: 4, symprec: 1e-5))
        let ideal = buildGraph(
            for: crystal, parameters: GraphParameters(method: .knn, k: 4, symprec: 1e-5, symmetrize: true))
        #expect(raw.edgeCount == 6)
        #expect(ideal.edgeCount == 4)
        #expect(ideal.spaceGroupNumber == 123)
    }

    @Test func parametersWithoutSymmetrizeEncodeAsBefore() throws {
        let plain = GraphParameters(method: .knn, asymmetricUnit: true)
        let json = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
        #expect(!json.contains("symmetrize"))
        #expect(try JSONDecoder().decode(GraphParameters.self, from: Data(json.utf8)) == plain)
        let symmetrized = GraphParameters(method: .knn, symmetrize: true)
        let encoded = try JSONEncoder().encode(symmetrized)
        #expect(try JSONDecoder().decode(GraphParameters.self, from: encoded) == symmetrized)
        #expect(!plain.buildsSameEdges(as: GraphParameters(method: .knn, asymmetricUnit: true, symmetrize: true)))
    }
}
