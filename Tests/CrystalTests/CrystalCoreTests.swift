import Foundation
import Testing

@testable import Crystal

/// Named tiny crystals with hand-checkable answers.
enum TinyCrystals {
    /// bcc Mo, conventional cell (2 atoms), a = 3.147 Å.
    static let molybdenum = Crystal(
        id: "Mo", lattice: Lattice(lengths: SIMD3(repeating: 3.147), anglesInDegrees: SIMD3(repeating: 90)),
        sites: [Site(element("Mo"), .zero), Site(element("Mo"), SIMD3(repeating: 0.5))])

    /// Rock-salt NaCl, conventional cell (8 atoms), a = 5.64 Å.
    static let rockSalt: Crystal = {
        let na = element("Na")
        let cl = element("Cl")
        let fcc: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0, 0.5, 0.5), SIMD3(0.5, 0, 0.5), SIMD3(0.5, 0.5, 0)]
        let sites = fcc.map { Site(na, $0) } + fcc.map { Site(cl, $0 + SIMD3(0.5, 0, 0)) }
        return Crystal(
            id: "NaCl", lattice: Lattice(lengths: SIMD3(repeating: 5.64), anglesInDegrees: SIMD3(repeating: 90)),
            sites: sites)
    }()
}

@Suite struct LatticeTests {
    @Test func parametersRoundTrip() {
        let lattice = Lattice(lengths: SIMD3(3.2, 4.1, 7.3), anglesInDegrees: SIMD3(81, 97, 112))
        let lengths = lattice.lengths
        let angles = lattice.anglesInDegrees
        for k in 0..<3 {
            #expect(abs(lengths[k] - [3.2, 4.1, 7.3][k]) < 1e-12)
            #expect(abs(angles[k] - [81, 97, 112][k]) < 1e-9)
        }
        // pymatgen's orientation: c along z.
        #expect(lattice.c == SIMD3(0, 0, 7.3))
    }

    @Test func volumeReciprocalAndCoordinates() {
        let hexagonal = Lattice(lengths: SIMD3(3, 3, 5), anglesInDegrees: SIMD3(90, 90, 120))
        #expect(abs(hexagonal.volume - 9 * 5 * sin(Double.pi / 3)) < 1e-9)
        let lattice = Lattice(rowMajor: [4, 0.3, 0, 1, 5, 0.2, 0.4, 0, 6])
        let r = lattice.reciprocal
        let rows = [lattice.a, lattice.b, lattice.c]
        let duals = [r.a, r.b, r.c]
        for i in 0..<3 {
            for j in 0..<3 { #expect(abs(dot(rows[i], duals[j]) - (i == j ? 1 : 0)) < 1e-12) }
        }
        let f = SIMD3<Double>(0.1, -0.7, 1.3)
        let back = lattice.fractional(lattice.cartesian(f))
        #expect(length(back - f) < 1e-12)
        #expect(abs(lattice.planeSpacings.z - lattice.volume / length(cross(lattice.a, lattice.b))) < 1e-12)
    }
}

@Suite struct CompositionTests {
    func composition(_ counts: [(String, Int)]) -> Composition {
        Composition(counts.flatMap { symbol, count in [Element](repeating: element(symbol), count: count) })
    }

    @Test func formulasFollowPymatgen() {
        // Expected values printed by pymatgen 2026.10 (Composition.formula / .reduced_formula).
        #expect(composition([("K", 4), ("Ge", 2), ("F", 12)]).formula == "K4 Ge2 F12")
        #expect(composition([("K", 4), ("Ge", 2), ("F", 12)]).reducedFormula == "K2GeF6")
        #expect(composition([("Ca", 1), ("N", 2), ("O", 6)]).reducedFormula == "Ca(NO3)2")
        #expect(composition([("Li", 2), ("O", 2)]).reducedFormula == "Li2O2")
        #expect(composition([("O", 2)]).reducedFormula == "O2")
        #expect(composition([("H", 4), ("O", 2)]).reducedFormula == "H2O")
        #expect(composition([("Fe", 2), ("O", 3)]).reducedFormula == "Fe2O3")
        #expect(composition([("Ba", 1), ("Ga", 1), ("Si", 1), ("H", 1)]).reducedFormula == "BaGaSiH")
        #expect(TinyCrystals.rockSalt.composition.formula == "Na4 Cl4")
        #expect(TinyCrystals.rockSalt.composition.reducedFormula == "NaCl")
        #expect(TinyCrystals.rockSalt.composition.atomCount == 8)
    }

    @Test func elements() {
        #expect(Element(symbol: "Fe")?.atomicNumber == 26)
        #expect(Element(symbol: "FE")?.atomicNumber == 26)
        #expect(Element(symbol: "Xx") == nil)
        #expect(Element(atomicNumber: 103)?.symbol == "Lr")
        #expect(Element(atomicNumber: 104) == nil)
        #expect(Element(atomicNumber: 0) == nil)
        #expect(Element(symbol: "O")?.name == "Oxygen")
        #expect(Element(symbol: "He")?.electronegativity == nil)
    }
}

@Suite struct PeriodicNeighborSearchTests {
    /// All pairs within `cutoff` by brute force over enough images (coordinates may lie up to 3 cells apart).
    func bruteForce(_ lattice: Lattice, _ frac: [SIMD3<Double>], cutoff: Double) -> Set<String> {
        let spacings = lattice.planeSpacings
        let n = SIMD3<Int>(
            Int((cutoff / spacings.x).rounded(.up)) + 3, Int((cutoff / spacings.y).rounded(.up)) + 3,
            Int((cutoff / spacings.z).rounded(.up)) + 3)
        var pairs = Set<String>()
        for i in frac.indices {
            for j in frac.indices {
                for x in -n.x...n.x {
                    for y in -n.y...n.y {
                        for z in -n.z...n.z where !(i == j && x == 0 && y == 0 && z == 0) {
                            let d = length(
                                lattice.cartesian(frac[j] + SIMD3(Double(x), Double(y), Double(z)) - frac[i]))
                            if d <= cutoff { pairs.insert("\(i) \(j) \(x) \(y) \(z)") }
                        }
                    }
                }
            }
        }
        return pairs
    }

    func search(_ lattice: Lattice, _ frac: [SIMD3<Double>], cutoff: Double) -> Set<String> {
        let search = PeriodicNeighborSearch(lattice: lattice, fracCoords: frac, cutoff: cutoff)
        var pairs = Set<String>()
        for i in frac.indices {
            search.forEachNeighbor(of: i) { j, image, _ in pairs.insert("\(i) \(j) \(image.x) \(image.y) \(image.z)") }
        }
        return pairs
    }

    @Test func matchesBruteForceOnSkewedCells() {
        var generator = SplitMix64(seed: 7)
        let cases: [(Lattice, Int, Double)] = [
            (Lattice(lengths: SIMD3(3.1, 3.3, 9), anglesInDegrees: SIMD3(70, 100, 115)), 5, 4.0),
            (Lattice(lengths: SIMD3(2.5, 2.5, 2.5), anglesInDegrees: SIMD3(60, 60, 60)), 2, 6.0),
            (Lattice(lengths: SIMD3(12, 11, 10), anglesInDegrees: SIMD3(90, 90, 90)), 40, 3.0),
        ]
        for (lattice, count, cutoff) in cases {
            // Coordinates outside [0, 1) on purpose: images are relative to the coordinates as given.
            let frac = (0..<count).map { _ in
                SIMD3(
                    Double.random(in: -1...2, using: &generator), Double.random(in: 0..<1, using: &generator),
                    Double.random(in: -0.5...0.5, using: &generator))
            }
            let (found, expected) = (search(lattice, frac, cutoff: cutoff), bruteForce(lattice, frac, cutoff: cutoff))
            #expect(
                found.subtracting(expected).isEmpty && expected.subtracting(found).isEmpty,
                "extra \(found.subtracting(expected)) missing \(expected.subtracting(found))")
        }
    }

    /// Random skewed cells (some with several bins per axis, some with a cutoff spanning many images), with atoms
    /// on bin boundaries and at fractional 0, 1 and −1e-17 (which wraps to exactly 1): the slab bound that
    /// picks the bins to scan must never miss a pair.
    @Test func matchesBruteForceOnRandomCellsAndBoundaries() {
        var generator = SplitMix64(seed: 11)
        for trial in 0..<40 {
            var lattice: Lattice
            repeat {
                lattice = randomLattice(lengths: 2...12, angles: 55...125, using: &generator)
            } while !(lattice.volume > 1)
            let count = Int.random(in: 1...16, using: &generator)
            let special: [Double] = [0, 0.5, 0.25, 1, -1e-17, 1 - 1e-16]
            let frac = (0..<count).map { k in
                k % 3 == 0
                    ? SIMD3(
                        special[k % special.count], special[(k / 2) % special.count],
                        Double.random(in: 0..<1, using: &generator))
                    : SIMD3(
                        Double.random(in: 0..<1, using: &generator), Double.random(in: 0..<1, using: &generator),
                        Double.random(in: 0..<1, using: &generator))
            }
            let cutoff = Double.random(in: 0.8...6, using: &generator)
            let (found, expected) = (search(lattice, frac, cutoff: cutoff), bruteForce(lattice, frac, cutoff: cutoff))
            #expect(
                found == expected,
                "trial \(trial): extra \(found.subtracting(expected)) missing \(expected.subtracting(found))")
        }
    }

    @Test func bccHasEightNearestNeighbours() {
        let mo = TinyCrystals.molybdenum
        let search = PeriodicNeighborSearch(lattice: mo.lattice, fracCoords: mo.sites.map(\.fracCoords), cutoff: 2.8)
        var distances: [Double] = []
        search.forEachNeighbor(of: 0) { _, _, d in distances.append(d) }
        #expect(distances.count == 8)
        #expect(distances.allSatisfy { abs($0 - 3.147 * 3.squareRoot() / 2) < 1e-9 })
    }
}

@Suite struct ValidationTests {
    func site(_ symbol: String, _ x: Double, _ y: Double, _ z: Double, occupancy: Double = 1) -> Site {
        Site(element(symbol), SIMD3(x, y, z), occupancy: occupancy)
    }

    @Test func goodCrystalsPass() throws {
        try TinyCrystals.molybdenum.validate()
        try TinyCrystals.rockSalt.validate()
    }

    @Test func eachRuleHasItsReason() {
        let cubic = Lattice(lengths: SIMD3(repeating: 4), anglesInDegrees: SIMD3(repeating: 90))
        func check(_ crystal: Crystal, _ expected: CrystalError, rules: ValidationRules = ValidationRules()) {
            #expect(throws: expected) { try crystal.validate(rules) }
        }
        check(Crystal(id: "empty", lattice: cubic, sites: []), .noAtoms)
        check(Crystal(id: "nan", lattice: cubic, sites: [site("Na", .nan, 0, 0)]), .nonFinite("coordinates of site 0"))
        check(
            Crystal(
                id: "nanl", lattice: Lattice(rowMajor: [4, 0, 0, 0, .infinity, 0, 0, 0, 4]),
                sites: [site("Na", 0, 0, 0)]), .nonFinite("lattice"))
        check(
            Crystal(id: "flat", lattice: Lattice(rowMajor: [4, 0, 0, 0, 4, 0, 4, 4, 0]), sites: [site("Na", 0, 0, 0)]),
            .nonPositiveVolume(0))
        check(
            Crystal(
                id: "occ", lattice: cubic, sites: [site("Na", 0, 0, 0), site("Fe", 0.5, 0.5, 0.5, occupancy: 0.5)]),
            .partialOccupancy(site: 1, detail: "Fe:0.5"))
        check(
            Crystal(
                id: "close", lattice: cubic,
                sites: [site("Na", 0, 0, 0), site("Cl", 0.5, 0.5, 0.5), site("Cl", 0.98, 0, 0)]),
            .overlappingAtoms(first: 0, second: 2, distance: 0.08000000000000007, threshold: 0.5))
        check(
            Crystal(id: "big", lattice: cubic, sites: [site("Na", 0, 0, 0), site("Cl", 0.5, 0.5, 0.5)]),
            .tooManyAtoms(count: 2, limit: 1), rules: ValidationRules(maxAtoms: 1))
        // An atom overlapping its own periodic image in a too-thin cell.
        check(
            Crystal(
                id: "thin", lattice: Lattice(rowMajor: [0.3, 0, 0, 0, 4, 0, 0, 0, 4]), sites: [site("Na", 0, 0, 0)]),
            .overlappingAtoms(first: 0, second: 0, distance: 0.3, threshold: 0.5))
    }

    @Test func tenThousandAtomCellIsCheckedQuickly() throws {
        // A 22×22×22 simple-cubic supercell (10,648 atoms, 2.5 Å apart); validation uses the cell list.
        let n = 22
        var sites: [Site] = []
        for x in 0..<n {
            for y in 0..<n {
                for z in 0..<n {
                    sites.append(site("Po", Double(x) / Double(n), Double(y) / Double(n), Double(z) / Double(n)))
                }
            }
        }
        let crystal = Crystal(
            id: "big",
            lattice: Lattice(lengths: SIMD3(repeating: 2.5 * Double(n)), anglesInDegrees: SIMD3(repeating: 90)),
            sites: sites)
        try crystal.validate(ValidationRules(maxAtoms: 20_000))
        #expect(throws: CrystalError.tooManyAtoms(count: 10_648, limit: 5000)) { try crystal.validate() }
    }
}

extension ValidationTests {
    @Test func pairwiseAndCellListOverlapChecksAgree() {
        // Random small cells (1–12 atoms, skewed, 3–9 Å edges) with atoms dropped close to one another: the
        // minimum-image pair check and the cell list must name the same pair at the same distance.
        var random = SplitMix64(seed: 7)
        var overlaps = 0
        for _ in 0..<2000 {
            let lattice = randomLattice(lengths: 3...9, angles: 60...120, using: &random)
            guard lattice.volume > 1 else { continue }
            var sites: [Site] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                let f = SIMD3(
                    Double.random(in: -1...2, using: &random), Double.random(in: -1...2, using: &random),
                    Double.random(in: -1...2, using: &random))
                sites.append(site("Si", f.x, f.y, f.z))
            }
            let crystal = Crystal(id: "random", lattice: lattice, sites: sites)
            let spacings = lattice.planeSpacings
            let threshold = min(1.2, min(spacings.x, min(spacings.y, spacings.z)) / 2)
            let byPairs = crystal.firstOverlapByPairs(closerThan: threshold)
            let byCells = crystal.firstOverlapByCellList(closerThan: threshold)
            #expect(byPairs?.i == byCells?.i && byPairs?.j == byCells?.j)
            if let byPairs, let byCells { #expect(abs(byPairs.distance - byCells.distance) < 1e-12) }
            if byPairs != nil { overlaps += 1 }
        }
        #expect(overlaps > 200)
    }
}

/// A small seeded generator, so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The element with `symbol`; a test's own typo stops the test run.
func element(_ symbol: String) -> Element {
    guard let element = Element(symbol: symbol) else { fatalError("not an element: \(symbol)") }
    return element
}

/// A cell with edge lengths (Å) and angles (degrees) drawn uniformly from the ranges; it may be degenerate (check
/// its volume).
func randomLattice(
    lengths: ClosedRange<Double>, angles: ClosedRange<Double>, using generator: inout SplitMix64
) -> Lattice {
    Lattice(
        lengths: SIMD3(
            Double.random(in: lengths, using: &generator), Double.random(in: lengths, using: &generator),
            Double.random(in: lengths, using: &generator)),
        anglesInDegrees: SIMD3(
            Double.random(in: angles, using: &generator), Double.random(in: angles, using: &generator),
            Double.random(in: angles, using: &generator)))
}
