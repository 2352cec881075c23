import Testing

@testable import Crystal

/// `StructureFingerprint`: the same for every way of writing one crystal down, different for another crystal.
@Suite struct StructureFingerprintTests {
    static func element(_ symbol: String) -> Element {
        guard let element = Element(symbol: symbol) else { fatalError("not an element: \(symbol)") }
        return element
    }

    /// Rutile TiO2 (6 atoms), a = 4.594 Å, c = 2.959 Å, oxygen at u = 0.305: two Ti and four O with
    /// several neighbour distances.
    static let rutile: Crystal = {
        let u = 0.305
        let oxygen: [SIMD3<Double>] = [
            SIMD3(u, u, 0), SIMD3(1 - u, 1 - u, 0), SIMD3(0.5 + u, 0.5 - u, 0.5), SIMD3(0.5 - u, 0.5 + u, 0.5),
        ]
        let sites =
            [Site(element("Ti"), SIMD3(0, 0, 0)), Site(element("Ti"), SIMD3(0.5, 0.5, 0.5))]
            + oxygen.map { Site(element("O"), $0) }
        let lattice = Lattice(lengths: SIMD3(4.594, 4.594, 2.959), anglesInDegrees: SIMD3(90, 90, 90))
        return Crystal(id: "TiO2", lattice: lattice, sites: sites)
    }()

    /// The crystal with lattice rows `a + b`, `b`, `a + c` (a unimodular change of basis: the same lattice) and
    /// every site's fractional coordinates in that basis.
    static func rebased(_ crystal: Crystal) -> Crystal {
        let old = crystal.lattice
        let lattice = Lattice(a: old.a + old.b, b: old.b, c: old.a + old.c)
        let sites = crystal.sites.map { Site($0.element, lattice.fractional(old.cartesian($0.fracCoords))) }
        return Crystal(id: crystal.id, lattice: lattice, sites: sites)
    }

    static func scaled(_ crystal: Crystal, by factors: SIMD3<Double>) -> Crystal {
        var copy = crystal
        copy.lattice = Lattice(
            a: crystal.lattice.a * factors.x, b: crystal.lattice.b * factors.y, c: crystal.lattice.c * factors.z)
        return copy
    }

    @Test func sameForPermutedAtoms() {
        var permuted = Self.rutile
        permuted.sites = [3, 0, 5, 2, 4, 1].map { Self.rutile.sites[$0] }
        #expect(StructureFingerprint(permuted).matches(StructureFingerprint(Self.rutile)))
    }

    @Test func sameForAnotherBasisOfTheLattice() {
        let original = StructureFingerprint(Self.rutile)
        let other = StructureFingerprint(Self.rebased(Self.rutile))
        #expect(other.matches(original))
        #expect(other.invariants == original.invariants)
        #expect(zip(other.distances, original.distances).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func sameForTranslatedSites() {
        var moved = Self.rutile
        moved.sites = Self.rutile.sites.map { Site($0.element, $0.fracCoords + SIMD3(0.13, 0.27, 0.41)) }
        #expect(StructureFingerprint(moved).matches(StructureFingerprint(Self.rutile)))
    }

    @Test func sameForASupercell() {
        var supercell = Self.scaled(Self.rutile, by: SIMD3(1, 1, 2))
        supercell.sites = [0.0, 0.5].flatMap { shift in
            Self.rutile.sites.map {
                Site($0.element, SIMD3($0.fracCoords.x, $0.fracCoords.y, $0.fracCoords.z / 2 + shift))
            }
        }
        #expect(supercell.primitiveAtomCount(tolerance: 0.01) == 6)
        #expect(StructureFingerprint(supercell).matches(StructureFingerprint(Self.rutile)))
    }

    @Test func sameForCoordinatesPrintedToFourDecimals() {
        var printed = Self.rebased(Self.rutile)
        printed.sites = printed.sites.map {
            Site($0.element, ($0.fracCoords * 10_000).rounded(.toNearestOrAwayFromZero) / 10_000)
        }
        #expect(StructureFingerprint(printed).matches(StructureFingerprint(Self.rutile)))
    }

    @Test func differsForAnotherElement() {
        var tin = Self.rutile
        tin.sites = Self.rutile.sites.map {
            Site($0.element == Self.element("Ti") ? Self.element("Sn") : $0.element, $0.fracCoords)
        }
        #expect(!StructureFingerprint(tin).matches(StructureFingerprint(Self.rutile)))
    }

    @Test func differsWhenStrainedByThreePercent() {
        let original = StructureFingerprint(Self.rutile)
        #expect(!StructureFingerprint(Self.scaled(Self.rutile, by: SIMD3(repeating: 1.03))).matches(original))
        #expect(!StructureFingerprint(Self.scaled(Self.rutile, by: SIMD3(1, 1, 1.03))).matches(original))
    }

    @Test func differsForAnotherArrangementOfTheSameAtoms() {
        // Oxygen moved from u = 0.305 to u = 0.285: same cell, formula and volume; the Ti–O distances change by
        // about 0.1 Å.
        var distorted = Self.rutile
        let u = 0.285
        let oxygen: [SIMD3<Double>] = [
            SIMD3(u, u, 0), SIMD3(1 - u, 1 - u, 0), SIMD3(0.5 + u, 0.5 - u, 0.5), SIMD3(0.5 - u, 0.5 + u, 0.5),
        ]
        distorted.sites = Array(Self.rutile.sites.prefix(2)) + oxygen.map { Site(Self.element("O"), $0) }
        let fingerprint = StructureFingerprint(distorted)
        #expect(fingerprint.volumePerAtom == StructureFingerprint(Self.rutile).volumePerAtom)
        #expect(!fingerprint.matches(StructureFingerprint(Self.rutile)))
    }

    @Test func fccAndHcpOfOneDensityDiffer() {
        // Close-packed spheres 2.5 Å apart: the same volume per atom and the same 12 nearest neighbours.
        let d = 2.5
        let fcc = Crystal(
            id: "fcc",
            lattice: Lattice(
                a: SIMD3(0, d, d) / 2.0.squareRoot(), b: SIMD3(d, 0, d) / 2.0.squareRoot(),
                c: SIMD3(d, d, 0) / 2.0.squareRoot()),
            sites: [Site(Self.element("Cu"), .zero)])
        let hcp = Crystal(
            id: "hcp",
            lattice: Lattice(lengths: SIMD3(d, d, d * (8.0 / 3).squareRoot()), anglesInDegrees: SIMD3(90, 90, 120)),
            sites: [
                Site(Self.element("Cu"), SIMD3(1.0 / 3, 2.0 / 3, 0.25)),
                Site(Self.element("Cu"), SIMD3(2.0 / 3, 1.0 / 3, 0.75)),
            ])
        let (f, h) = (StructureFingerprint(fcc), StructureFingerprint(hcp))
        #expect(abs(f.volumePerAtom - h.volumePerAtom) < 1e-9)
        #expect(f.invariants.primitiveAtomCount == 1 && h.invariants.primitiveAtomCount == 2)
        #expect(!f.matches(h))
    }

    @Test func primitiveCellOfRockSaltConventionalCell() {
        let fcc: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0, 0.5, 0.5), SIMD3(0.5, 0, 0.5), SIMD3(0.5, 0.5, 0)]
        let sites =
            fcc.map { Site(Self.element("Na"), $0) } + fcc.map { Site(Self.element("Cl"), $0 + SIMD3(0.5, 0, 0)) }
        let salt = Crystal(
            id: "NaCl", lattice: Lattice(lengths: SIMD3(repeating: 5.64), anglesInDegrees: SIMD3(repeating: 90)),
            sites: sites)
        #expect(salt.primitiveAtomCount(tolerance: 0.01) == 2)
        #expect(Self.rutile.primitiveAtomCount(tolerance: 0.01) == 6)
        // A 3 × 3 × 3 supercell (216 atoms), every atom nudged by less than the tolerance.
        var supercell = salt
        supercell.lattice = Lattice(a: salt.lattice.a * 3, b: salt.lattice.b * 3, c: salt.lattice.c * 3)
        supercell.sites = (0..<27).flatMap { cell in
            let offset = SIMD3(Double(cell / 9), Double(cell / 3 % 3), Double(cell % 3))
            return salt.sites.enumerated().map { k, site in
                let nudge = SIMD3(repeating: Double((cell + k) % 3) * 5e-5)
                return Site(site.element, (site.fracCoords + offset) / 3 + nudge)
            }
        }
        #expect(supercell.primitiveAtomCount(tolerance: 0.01) == 2)
        #expect(StructureFingerprint(supercell).matches(StructureFingerprint(salt)))
    }
}
