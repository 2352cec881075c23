import Foundation

/// A summary of a crystal's structure that two copies of one crystal share, whatever their cell setting, atom
/// order or origin: what `xtal ingest --unique` compares to drop duplicates.
///
/// Two parts must be equal: the reduced formula and the number of atoms in a primitive cell (lattice
/// translations found within 0.01 Å, spglib's and pymatgen's usual symprec). Two more must agree within
/// tolerances: the volume per atom, within 1 %, and mean neighbour distances from the periodic neighbour search
/// (images included), each within 0.02 Å:
///
/// ```
/// shell[E][k]   = mean over sites of element E of the distance to its k-th nearest atom,   k = 1 … 24
/// pair[E][F][k] = mean over sites of element E of the distance to its k-th nearest F atom, k = 1 … 4
/// ```
///
/// with elements E, F in increasing Z. None of these depends on the lattice basis chosen, on the order of the
/// sites, on a translation of all sites, or on taking a supercell. The primitive cell tells polytypes apart
/// (SiC 2H, 4H, 6H; 2H and 3R delafossites), whose neighbour shells agree for several Å; the distances tell
/// apart arrangements with the same primitive cell (normal and inverse spinels). Twenty-four neighbours reach
/// the third shell of close-packed structures (fcc and hcp differ from the 19th on).
///
/// The tolerances are compared, not rounded to, so a copy whose numbers were printed to 4–6 decimals
/// (pymatgen's text rendering, CIFs) still matches the full-precision original; rounding to a grid would split
/// the copies whose values straddle a grid line. 1 % in volume is 0.3 % in length; a relaxed and an unrelaxed
/// copy of one material, or a copy strained by 3 %, differ by more and count as different crystals. Mirror
/// images (enantiomorphs, such as ZnP2 in P4₁2₁2 and P4₃2₁2) have equal distances and count as one crystal;
/// averages over sites could also coincide for two arrangements with the same formula, primitive cell and
/// density, which would then be taken for one.
public struct StructureFingerprint: Sendable, Hashable {
    /// The parts that must be equal.
    public struct Invariants: Sendable, Hashable {
        /// The reduced formula (`SiO2`).
        public var formula: String
        /// Atoms in a primitive cell.
        public var primitiveAtomCount: Int
    }

    /// Nearest neighbours (of any element) averaged per element.
    public static let shellSize = 24
    /// Nearest neighbours of each element averaged per element pair.
    public static let pairSize = 4
    /// The largest relative difference of the volumes per atom of two matching fingerprints.
    public static let volumeTolerance = 0.01
    /// The largest difference of a mean distance of two matching fingerprints, Å.
    public static let distanceTolerance: Float = 0.02
    /// How far an atom may be from a lattice translation of another to count as its image, Å.
    public static let translationTolerance = 0.01

    /// Formula and primitive cell.
    public let invariants: Invariants
    /// The cell volume divided by the number of atoms, Å³.
    public let volumePerAtom: Double
    /// `shell` for each element, then `pair` for each element pair, as above; Å.
    public let distances: [Float]

    /// The fingerprint of `crystal`.
    ///
    /// - Precondition: the crystal passed `validate()` (at least one atom, a positive volume, finite numbers).
    public init(_ crystal: Crystal) {
        precondition(
            !crystal.sites.isEmpty && crystal.lattice.volume > 0,
            "StructureFingerprint: \(crystal.sites.count) atoms, volume \(crystal.lattice.volume)")
        invariants = Invariants(
            formula: crystal.composition.reducedFormula,
            primitiveAtomCount: crystal.primitiveAtomCount(tolerance: Self.translationTolerance))
        volumePerAtom = crystal.lattice.volume / Double(crystal.sites.count)
        distances = Self.meanDistances(crystal)
    }

    /// Whether `other` is, within the tolerances, the same crystal.
    public func matches(_ other: StructureFingerprint) -> Bool {
        guard invariants == other.invariants, distances.count == other.distances.count else { return false }
        let volumes = abs(volumePerAtom - other.volumePerAtom)
        guard volumes <= Self.volumeTolerance * max(volumePerAtom, other.volumePerAtom) else { return false }
        return zip(distances, other.distances).allSatisfy { abs($0 - $1) <= Self.distanceTolerance }
    }

    /// The mean shell and pair distances of every element, in increasing Z.
    private static func meanDistances(_ crystal: Crystal) -> [Float] {
        let elements = Set(crystal.sites.map(\.element)).sorted()
        let elementIndex = Dictionary(uniqueKeysWithValues: elements.enumerated().map { ($1, $0) })
        let kinds = crystal.sites.map { elementIndex[$0.element] ?? 0 }
        let neighbors = nearestNeighbors(crystal, kinds: kinds, elementCount: elements.count)
        let width = shellSize + elements.count * pairSize
        var sums = [Double](repeating: 0, count: elements.count * width)
        var sites = [Int](repeating: 0, count: elements.count)
        for (site, found) in neighbors.enumerated() {
            let base = kinds[site] * width
            sites[kinds[site]] += 1
            let sorted = found.sorted { $0.distance < $1.distance }
            for (k, neighbor) in sorted.prefix(shellSize).enumerated() { sums[base + k] += neighbor.distance }
            var seen = [Int](repeating: 0, count: elements.count)
            for neighbor in sorted where seen[neighbor.kind] < pairSize {
                sums[base + shellSize + neighbor.kind * pairSize + seen[neighbor.kind]] += neighbor.distance
                seen[neighbor.kind] += 1
            }
        }
        return sums.enumerated().map { Float($1 / Double(sites[$0 / width])) }
    }

    /// For every site, its neighbours (distance, element index) within a radius that holds at least `shellSize`
    /// of them and `pairSize` of each element.
    ///
    /// The radius starts at 1.1 times that of a sphere holding `shellSize + 1` atoms at the crystal's mean density
    /// and grows by half until every site has enough.
    private static func nearestNeighbors(
        _ crystal: Crystal, kinds: [Int], elementCount: Int
    ) -> [[(distance: Double, kind: Int)]] {
        let perAtom = crystal.lattice.volume / Double(crystal.sites.count)
        var radius = 1.1 * cbrt(3 * Double(shellSize + 1) * perAtom / (4 * Double.pi))
        let fracCoords = crystal.sites.map(\.fracCoords)
        while true {
            let search = PeriodicNeighborSearch(lattice: crystal.lattice, fracCoords: fracCoords, cutoff: radius)
            var result: [[(distance: Double, kind: Int)]] = []
            result.reserveCapacity(fracCoords.count)
            var enough = true
            for site in fracCoords.indices {
                var found: [(distance: Double, kind: Int)] = []
                search.forEachNeighbor(of: site) { j, _, distance in found.append((distance, kinds[j])) }
                var perKind = [Int](repeating: 0, count: elementCount)
                for neighbor in found { perKind[neighbor.kind] += 1 }
                guard found.count >= shellSize, perKind.allSatisfy({ $0 >= pairSize }) else {
                    enough = false
                    break
                }
                result.append(found)
            }
            if enough { return result }
            radius *= 1.5
        }
    }
}
