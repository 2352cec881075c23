import Foundation

extension Crystal {
    /// The number of atoms in a primitive cell: the atom count divided by the number of lattice translations
    /// (zero included) that map the crystal onto itself, each atom onto an atom of its element within `tolerance`.
    ///
    /// The same for every cell of one crystal, a supercell included. Candidate translations run from one atom of
    /// the rarest element to each atom of that element; atoms are looked up on a grid, so a candidate costs at
    /// most one lookup per atom, and usually fails on the first.
    ///
    /// - Parameter tolerance: how far, Å, a translated atom may be from its image.
    /// - Returns: the atom count of a primitive cell.
    /// - Precondition: the crystal has at least one atom and a positive volume.
    public func primitiveAtomCount(tolerance: Double) -> Int {
        precondition(!sites.isEmpty && lattice.volume > 0, "Crystal.primitiveAtomCount: no atoms or no volume")
        let grid = SiteGrid(self, tolerance: tolerance)
        var byElement: [Element: [Int]] = [:]
        for (index, site) in sites.enumerated() { byElement[site.element, default: []].append(index) }
        let rarest = byElement.min { lhs, rhs in
            lhs.value.count != rhs.value.count ? lhs.value.count < rhs.value.count : lhs.key < rhs.key
        }
        guard let anchors = rarest?.value, let origin = anchors.first else { return sites.count }
        var translations = 0
        for anchor in anchors {
            let shift = sites[anchor].fracCoords - sites[origin].fracCoords
            if sites.allSatisfy({ grid.contains($0.element, near: $0.fracCoords + shift) }) { translations += 1 }
        }
        return sites.count / max(translations, 1)
    }
}

/// The sites of a crystal binned by wrapped fractional coordinates, for "is there an atom of this element
/// within the tolerance of this point?".
///
/// Bins are at least `tolerance` thick along each axis (and about one per atom), so a point within the tolerance
/// of an atom lies in the atom's bin or a neighbouring one.
private struct SiteGrid {
    let crystal: Crystal
    let tolerance: Double
    let counts: SIMD3<Int>
    var bins: [SIMD3<Int>: [Int]] = [:]

    init(_ crystal: Crystal, tolerance: Double) {
        self.crystal = crystal
        self.tolerance = tolerance
        let spacings = crystal.lattice.planeSpacings
        let perAxis = Int(cbrt(Double(crystal.sites.count))) + 1
        func count(_ spacing: Double) -> Int { max(1, min(perAxis, Int(spacing / max(tolerance, 1e-9)))) }
        counts = SIMD3(count(spacings.x), count(spacings.y), count(spacings.z))
        for (index, site) in crystal.sites.enumerated() { bins[bin(of: site.fracCoords), default: []].append(index) }
    }

    func bin(of fracCoords: SIMD3<Double>) -> SIMD3<Int> {
        let wrapped = fracCoords - fracCoords.rounded(.down)
        let scaled = wrapped * SIMD3<Double>(counts)
        return SIMD3(
            min(Int(scaled.x), counts.x - 1), min(Int(scaled.y), counts.y - 1), min(Int(scaled.z), counts.z - 1))
    }

    /// Whether an atom of `element` lies within the tolerance of `point` (fractional), periodic images included.
    func contains(_ element: Element, near point: SIMD3<Double>) -> Bool {
        let home = bin(of: point)
        let tolerance2 = tolerance * tolerance
        for dx in -1...1 {
            for dy in -1...1 {
                for dz in -1...1 {
                    let key = SIMD3(
                        (home.x + dx + counts.x) % counts.x, (home.y + dy + counts.y) % counts.y,
                        (home.z + dz + counts.z) % counts.z)
                    for index in bins[key] ?? [] where crystal.sites[index].element == element {
                        var delta = point - crystal.sites[index].fracCoords
                        delta -= delta.rounded(.toNearestOrAwayFromZero)
                        let cartesian = crystal.lattice.cartesian(delta)
                        if dot(cartesian, cartesian) <= tolerance2 { return true }
                    }
                }
            }
        }
        return false
    }
}
