/// A periodic crystal structure: an identifier, a lattice and its sites.
public struct Crystal: Sendable, Hashable {
    /// The identifier (`mp-149`, a file stem, or `<file>:<index>`).
    public var id: String
    /// The lattice.
    public var lattice: Lattice
    /// The atoms of one cell.
    public var sites: [Site]

    public init(id: String, lattice: Lattice, sites: [Site]) {
        self.id = id
        self.lattice = lattice
        self.sites = sites
    }

    /// The Cartesian coordinates (Å) of site `index`.
    public func cartesian(_ index: Int) -> SIMD3<Double> { lattice.cartesian(sites[index].fracCoords) }

    /// The composition: element → number of atoms in the cell.
    public var composition: Composition { Composition(sites.map(\.element)) }
}
