/// Limits a structure must respect to enter the store.
public struct ValidationRules: Sendable, Hashable, Codable {
    /// The smallest allowed distance between two atoms (or an atom and a periodic image), Å.
    public var minDistance: Double
    /// The most atoms a cell may have.
    public var maxAtoms: Int
    /// How far an occupancy may be from 1 and still count as fully occupied.
    public var occupancyTolerance: Double

    public init(minDistance: Double = 0.5, maxAtoms: Int = 5000, occupancyTolerance: Double = 0.01) {
        self.minDistance = minDistance
        self.maxAtoms = maxAtoms
        self.occupancyTolerance = occupancyTolerance
    }
}

extension Crystal {
    /// Checks that the structure is one the pipeline can use.
    ///
    /// In order: at least one atom and at most `rules.maxAtoms`; finite lattice and coordinates; a lattice
    /// volume above 10⁻³ Å³; every site fully occupied; no two atoms closer than `rules.minDistance`. The
    /// overlap reported is the one with the lowest first atom, then the lowest second atom, so it does not
    /// depend on search order.
    ///
    /// - Throws: the `CrystalError` naming the first rule broken.
    public func validate(_ rules: ValidationRules = ValidationRules()) throws {
        guard !sites.isEmpty else { throw CrystalError.noAtoms }
        guard sites.count <= rules.maxAtoms else {
            throw CrystalError.tooManyAtoms(count: sites.count, limit: rules.maxAtoms)
        }
        guard lattice.isFinite else { throw CrystalError.nonFinite("lattice") }
        if let bad = sites.firstIndex(where: {
            !($0.fracCoords.x.isFinite && $0.fracCoords.y.isFinite && $0.fracCoords.z.isFinite)
        }) {
            throw CrystalError.nonFinite("coordinates of site \(bad)")
        }
        guard lattice.volume > 1e-3 else { throw CrystalError.nonPositiveVolume(lattice.determinant) }
        if let bad = sites.firstIndex(where: { abs($0.occupancy - 1) > rules.occupancyTolerance }) {
            throw CrystalError.partialOccupancy(
                site: bad, detail: "\(sites[bad].element.symbol):\(formatted(sites[bad].occupancy, digits: 3))")
        }
        let search = PeriodicNeighborSearch(
            lattice: lattice, fracCoords: sites.map(\.fracCoords), cutoff: rules.minDistance)
        for i in sites.indices {
            var closest: (j: Int, distance: Double)?
            search.forEachNeighbor(of: i) { j, _, distance in
                guard j >= i, distance < rules.minDistance else { return }
                if closest == nil || j < closest?.j ?? .max { closest = (j, distance) }
            }
            if let closest {
                throw CrystalError.overlappingAtoms(
                    first: i, second: closest.j, distance: closest.distance, threshold: rules.minDistance)
            }
        }
    }
}
