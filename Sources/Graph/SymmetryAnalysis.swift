import CSpglib
import Crystal

/// What spglib finds for a crystal: its space group and which atoms are symmetry-equivalent.
public struct SymmetryAnalysis: Sendable, Hashable {
    /// Space group number, 1–230.
    public var spaceGroupNumber: Int32
    /// International (Hermann–Mauguin) symbol such as `Fm-3m`.
    public var spaceGroupSymbol: String
    /// For each atom, the index of the first atom of its crystallographic orbit (spglib's
    /// `crystallographic_orbits`, which, unlike `equivalent_atoms`, does not split orbits in supercells).
    public var orbit: [Int]
    /// The crystal idealised to this space group (`idealized(_:_:symprec:)`), when asked for and possible.
    public var idealized: Crystal?

    /// Runs spglib (`spgat_get_dataset`) on `crystal`.
    ///
    /// spglib takes the lattice with basis vectors as columns; `Lattice` keeps them as rows, so the matrix is
    /// transposed on the way in (passing rows gives a wrong but plausible space group on oblique cells).
    ///
    /// Fails (`nil`) when spglib finds no symmetry dataset, as for atoms too close for the tolerance.
    ///
    /// - Parameters:
    ///   - crystal: the structure.
    ///   - symprec: distance tolerance, Å (pymatgen's `SpacegroupAnalyzer` default is 0.01).
    ///   - angleTolerance: angle tolerance, degrees (pymatgen's default is 5).
    ///   - idealize: also compute `idealized`.
    public init?(_ crystal: Crystal, symprec: Double, angleTolerance: Double, idealize: Bool = false) {
        let l = crystal.lattice
        var columns = (
            (l.a.x, l.b.x, l.c.x),
            (l.a.y, l.b.y, l.c.y),
            (l.a.z, l.b.z, l.c.z)
        )
        var positions = crystal.sites.map { ($0.fracCoords.x, $0.fracCoords.y, $0.fracCoords.z) }
        let types = crystal.sites.map { Int32($0.element.atomicNumber) }
        let count = Int32(crystal.sites.count)
        let found = withUnsafeMutablePointer(to: &columns) { lattice in
            lattice.withMemoryRebound(to: (Double, Double, Double).self, capacity: 3) { rows in
                positions.withUnsafeMutableBufferPointer { positions in
                    spgat_get_dataset(rows, positions.baseAddress, types, count, symprec, angleTolerance)
                }
            }
        }
        guard let dataset = found else { return nil }
        defer { spg_free_dataset(dataset) }
        let data = dataset.pointee
        guard data.n_atoms == count, data.spacegroup_number > 0, let orbits = data.crystallographic_orbits else {
            return nil
        }
        spaceGroupNumber = data.spacegroup_number
        spaceGroupSymbol = withUnsafeBytes(of: data.international_symbol) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        orbit = (0..<Int(count)).map { Int(orbits[$0]) }
        idealized = idealize ? Self.idealized(crystal, data, symprec: symprec) : nil
    }
}
