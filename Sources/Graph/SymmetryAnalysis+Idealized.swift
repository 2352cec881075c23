import CSpglib
import Crystal

extension SymmetryAnalysis {
    /// `crystal` with its lattice and positions made exactly those of the space group spglib found (`data`),
    /// keeping the cell, the atom order and, up to the idealisation, the orientation.
    ///
    /// spglib's standardised cell is idealised (`std_lattice` Ā_s, `std_positions` x̄_s); it is taken back through
    /// the transformation (P, p) and rotation R spglib reports, (a_s b_s c_s) = (a b c) P⁻¹, x_s = P x + p and
    /// Ā_s = R (a_s b_s c_s): the lattice becomes A = Rᵀ Ā_s P (basis vectors as columns), and each atom
    /// x = P⁻¹(x̄_s − p), x̄_s the standardised atom of its element nearest to P x + p, moved by whole cells next
    /// to it. ASE's `refine_symmetry` idealises the same way; kgcnn builds coGN's graphs on structures
    /// idealised by pyxtal, whose symmetry-equivalent neighbours are then at exactly equal distances.
    ///
    /// `nil` when P is singular or an atom has no standardised atom of its element within `max(4 symprec, 0.01)`
    /// Å (spglib moved it further than its tolerance allows).
    static func idealized(_ crystal: Crystal, _ data: SpglibDataset, symprec: Double) -> Crystal? {
        let p = Matrix3(data.transformation_matrix)
        guard let pInverse = p.inverse else { return nil }
        let standard = Matrix3(data.std_lattice)
        let columns = Matrix3(data.std_rotation_matrix).transposed * standard * p
        let lattice = Lattice(a: columns.column(0), b: columns.column(1), c: columns.column(2))
        let standardLattice = Lattice(a: standard.column(0), b: standard.column(1), c: standard.column(2))
        let shift = SIMD3(data.origin_shift.0, data.origin_shift.1, data.origin_shift.2)
        let limit = max(4 * symprec, 0.01)
        var sites = crystal.sites
        for (n, site) in crystal.sites.enumerated() {
            let x = p * site.fracCoords + shift
            var nearest: (distance: Double, position: SIMD3<Double>)?
            for m in 0..<Int(data.n_std_atoms) where data.std_types[m] == Int32(site.element.atomicNumber) {
                let position = SIMD3(data.std_positions[m].0, data.std_positions[m].1, data.std_positions[m].2)
                let whole = (x - position).rounded(.toNearestOrAwayFromZero)
                let distance = length(standardLattice.cartesian(x - position - whole))
                if distance < nearest?.distance ?? .infinity { nearest = (distance, position + whole) }
            }
            guard let nearest, nearest.distance <= limit else { return nil }
            sites[n].fracCoords = pInverse * (nearest.position - shift)
        }
        return Crystal(id: crystal.id, lattice: lattice, sites: sites)
    }
}
