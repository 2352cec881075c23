/// Supercells, for NEGNN's contrastive views (Kong and others, 2024).
extension Crystal {
    /// This crystal repeated `repeats` times along its lattice vectors a, b, c.
    ///
    /// Site (k_a, k_b, k_c) of the copy at offset (i, j, l) sits at ((k_a + i)/n_a, (k_b + j)/n_b, (k_c + l)/n_c)
    /// in the new cell; copies are ordered by offset (l fastest), sites in their original order within each.
    public func supercell(_ repeats: SIMD3<Int>) -> Crystal {
        precondition(repeats.min() >= 1, "supercell: repeats \(repeats) must be ≥ 1")
        let n = SIMD3<Double>(repeats)
        let big = Lattice(a: lattice.a * n.x, b: lattice.b * n.y, c: lattice.c * n.z)
        var copies: [Site] = []
        copies.reserveCapacity(sites.count * repeats.x * repeats.y * repeats.z)
        for i in 0..<repeats.x {
            for j in 0..<repeats.y {
                for l in 0..<repeats.z {
                    let offset = SIMD3<Double>(Double(i), Double(j), Double(l))
                    for site in sites {
                        var copy = site
                        copy.fracCoords = (site.fracCoords + offset) / n
                        copies.append(copy)
                    }
                }
            }
        }
        return Crystal(id: id, lattice: big, sites: copies)
    }
}
