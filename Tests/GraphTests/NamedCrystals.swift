import Crystal

@testable import Graph

/// Small crystals built in code, each a case the neighbour search must get right.
enum NamedCrystals {
    static func element(_ symbol: String) -> Element {
        guard let element = Element(symbol: symbol) else { fatalError("not an element: \(symbol)") }
        return element
    }

    static func cubic(_ a: Double) -> Lattice {
        Lattice(lengths: SIMD3(repeating: a), anglesInDegrees: SIMD3(repeating: 90))
    }

    /// bcc Mo, conventional cell (2 atoms), a = 3.147 Å: Im-3m (229).
    static let molybdenum = Crystal(
        id: "Mo", lattice: cubic(3.147),
        sites: [Site(element("Mo"), .zero), Site(element("Mo"), SIMD3(repeating: 0.5))])

    /// Rock-salt NaCl, conventional cell (8 atoms), a = 5.64 Å: Fm-3m (225).
    static let rockSalt: Crystal = {
        let fcc: [SIMD3<Double>] = [SIMD3(0, 0, 0), SIMD3(0, 0.5, 0.5), SIMD3(0.5, 0, 0.5), SIMD3(0.5, 0.5, 0)]
        let sites = fcc.map { Site(element("Na"), $0) } + fcc.map { Site(element("Cl"), $0 + SIMD3(0.5, 0, 0)) }
        return Crystal(id: "NaCl", lattice: cubic(5.64), sites: sites)
    }()

    /// CsCl (2 atoms), a = 4.12 Å: Pm-3m (221).
    static let cesiumChloride = Crystal(
        id: "CsCl", lattice: cubic(4.12),
        sites: [Site(element("Cs"), .zero), Site(element("Cl"), SIMD3(repeating: 0.5))])

    /// Cubic perovskite SrTiO3 (5 atoms), a = 3.905 Å: Pm-3m (221); orbits Sr (1), Ti (1), O (3).
    static let strontiumTitanate = Crystal(
        id: "SrTiO3", lattice: cubic(3.905),
        sites: [
            Site(element("Sr"), .zero), Site(element("Ti"), SIMD3(repeating: 0.5)),
            Site(element("O"), SIMD3(0.5, 0.5, 0)), Site(element("O"), SIMD3(0.5, 0, 0.5)),
            Site(element("O"), SIMD3(0, 0.5, 0.5)),
        ])

    /// A very skewed triclinic cell (angles 30°, 140°, 125°) with three atoms, coordinates outside [0, 1).
    static let skewed = Crystal(
        id: "skewed", lattice: Lattice(lengths: SIMD3(2.9, 3.7, 5.1), anglesInDegrees: SIMD3(55, 72, 121)),
        sites: [
            Site(element("Si"), SIMD3(0.1, 0.2, 0.3)), Site(element("O"), SIMD3(1.55, -0.45, 0.61)),
            Site(element("O"), SIMD3(0.83, 0.91, -2.2)),
        ])

    /// One atom in a tiny cell (2.2 Å): the cutoff spans many images of itself.
    static let oneAtom = Crystal(id: "Po", lattice: cubic(2.2), sites: [Site(element("Po"), SIMD3(0.3, 0.3, 0.3))])

    /// A two-atom slab with 20 Å of vacuum along c.
    static let slab = Crystal(
        id: "slab", lattice: Lattice(lengths: SIMD3(3.2, 3.2, 22.5), anglesInDegrees: SIMD3(90, 90, 120)),
        sites: [Site(element("Mo"), SIMD3(0, 0, 0.02)), Site(element("S"), SIMD3(1.0 / 3, 2.0 / 3, 0.09))])

    /// A triclinic (P1) crystal with no symmetry beyond the identity.
    static let lowSymmetry = Crystal(
        id: "P1", lattice: Lattice(lengths: SIMD3(4.1, 5.3, 6.2), anglesInDegrees: SIMD3(83, 101, 95)),
        sites: [
            Site(element("Li"), SIMD3(0.05, 0.11, 0.17)), Site(element("Fe"), SIMD3(0.41, 0.37, 0.53)),
            Site(element("P"), SIMD3(0.73, 0.64, 0.29)), Site(element("O"), SIMD3(0.22, 0.81, 0.77)),
        ])

    static let all = [molybdenum, rockSalt, cesiumChloride, strontiumTitanate, skewed, oneAtom, slab, lowSymmetry]
}

/// Every neighbour of `centre` within `cutoff` (Å) by brute force over a box of images large enough for the
/// cell's plane spacings, in edge order.
func bruteForceNeighbors(of centre: Int, in crystal: Crystal, cutoff: Double) -> [Neighbor] {
    let spacings = crystal.lattice.planeSpacings
    let reach = (0..<3).map { Int((cutoff / spacings[$0]).rounded(.up)) + 2 }
    var found: [Neighbor] = []
    let origin = crystal.sites[centre].fracCoords
    for j in crystal.sites.indices {
        // Offsets measured from the unwrapped coordinates, as the graph's images are.
        let shift = (crystal.sites[j].fracCoords - origin).rounded(.towardZero)
        for x in -reach[0]...reach[0] {
            for y in -reach[1]...reach[1] {
                for z in -reach[2]...reach[2] {
                    let image = SIMD3<Int32>(Int32(x), Int32(y), Int32(z)) &- SIMD3<Int32>(shift)
                    if j == centre && image == .zero { continue }
                    let vector = crystal.lattice.cartesian(crystal.sites[j].fracCoords + SIMD3<Double>(image) - origin)
                    let distance = length(vector)
                    if distance <= cutoff {
                        found.append(Neighbor(atom: Int32(j), image: image, distance: distance, vector: vector))
                    }
                }
            }
        }
    }
    return found.sorted {
        if $0.distance != $1.distance { return $0.distance < $1.distance }
        if $0.atom != $1.atom { return $0.atom < $1.atom }
        return ($0.image.x, $0.image.y, $0.image.z) < ($1.image.x, $1.image.y, $1.image.z)
    }
}
