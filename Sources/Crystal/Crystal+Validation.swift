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
        let far = Self.maximumFractionalCoordinate
        for (index, site) in sites.enumerated() {
            let f = site.fracCoords
            if let coordinate = [f.x, f.y, f.z].first(where: { abs($0) > far }) {
                throw CrystalError.farOutsideCell(site: index, coordinate: coordinate)
            }
        }
        guard lattice.volume > 1e-3 else { throw CrystalError.nonPositiveVolume(lattice.determinant) }
        let spacings = lattice.planeSpacings
        for (axis, spacing) in [("(100)", spacings.x), ("(010)", spacings.y), ("(001)", spacings.z)]
        where spacing < Self.minimumPlaneSpacing {
            throw CrystalError.thinCell(spacing: spacing, axis: axis)
        }
        if let bad = sites.firstIndex(where: { abs($0.occupancy - 1) > rules.occupancyTolerance }) {
            throw CrystalError.partialOccupancy(
                site: bad, detail: "\(sites[bad].element.symbol):\(formatted(sites[bad].occupancy, digits: 3))")
        }
        if let overlap = firstOverlap(closerThan: rules.minDistance) {
            throw CrystalError.overlappingAtoms(
                first: overlap.i, second: overlap.j, distance: overlap.distance, threshold: rules.minDistance)
        }
    }
}

extension Crystal {
    /// The least distance between a cell's lattice planes, Å, below which a crystal is refused.
    ///
    /// Neighbour searches scan about cutoff / spacing periodic images along that axis: planes 10⁻¹⁷ Å apart (a
    /// lattice vector of 10¹⁷ Å beside a 40 Å³ cell, found by fuzzing) made validation and graph building run
    /// for ever. Real cells have spacings of ångströms; 0.1 Å bounds the scan at 80 images for an 8 Å cutoff.
    public static let minimumPlaneSpacing = 0.1

    /// The largest fractional coordinate accepted, in cells.
    ///
    /// Coordinates are stored as read (not wrapped), and 10²⁶ (found by fuzzing) overflowed the neighbour
    /// search's integer image offsets. Atoms a million cells away are a damaged file, not a structure.
    public static let maximumFractionalCoordinate = 1e6

    /// Cells up to this many atoms are checked pair by pair; larger ones with a cell list.
    static let pairwiseOverlapLimit = 64

    /// The pair of atoms (or atom and periodic image) closer than `distance` Å with the lowest first atom,
    /// then the lowest second atom; nil if there is none.
    ///
    /// When every plane spacing of the cell is at least twice `distance`, a pair can only be that close
    /// through its minimum image (a fractional separation wrapped into [−½, ½] along each axis: any other
    /// image is at least half a spacing away along some axis), and no atom is that close to its own image.
    /// Small cells meeting that condition, the usual case, are then checked pair by pair in O(N²) without
    /// building a cell list; everything else goes through `PeriodicNeighborSearch`. Both give the same
    /// answer.
    func firstOverlap(closerThan distance: Double) -> (i: Int, j: Int, distance: Double)? {
        let spacings = lattice.planeSpacings
        let minImageIsExact = min(spacings.x, min(spacings.y, spacings.z)) >= 2 * distance
        return minImageIsExact && sites.count <= Self.pairwiseOverlapLimit
            ? firstOverlapByPairs(closerThan: distance) : firstOverlapByCellList(closerThan: distance)
    }

    /// `firstOverlap` by minimum-image pairs; exact only when every plane spacing is at least 2 · `distance`.
    func firstOverlapByPairs(closerThan distance: Double) -> (i: Int, j: Int, distance: Double)? {
        let limit2 = distance * distance
        for i in sites.indices {
            let origin = sites[i].fracCoords
            for j in (i + 1)..<sites.count {
                var delta = sites[j].fracCoords - origin
                delta -= delta.rounded(.toNearestOrEven)
                let cartesian = lattice.cartesian(delta)
                let d2 = dot(cartesian, cartesian)
                if d2 < limit2 { return (i, j, d2.squareRoot()) }
            }
        }
        return nil
    }

    /// `firstOverlap` through a cell list: exact for any cell.
    func firstOverlapByCellList(closerThan distance: Double) -> (i: Int, j: Int, distance: Double)? {
        let search = PeriodicNeighborSearch(lattice: lattice, fracCoords: sites.map(\.fracCoords), cutoff: distance)
        for i in sites.indices {
            var closest: (j: Int, distance: Double)?
            search.forEachNeighbor(of: i) { j, _, d in
                guard j >= i, d < distance else { return }
                if closest == nil || j < closest?.j ?? .max { closest = (j, d) }
            }
            if let closest { return (i, closest.j, closest.distance) }
        }
        return nil
    }
}
