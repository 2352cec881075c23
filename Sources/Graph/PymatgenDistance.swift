import Crystal
import Foundation

/// Neighbour distances computed with pymatgen's floating-point arithmetic (`find_points_in_spheres` in
/// `pymatgen/optimization/neighbors.pyx`, as `Structure.get_all_neighbors` calls it), so that CGCNN's
/// "12 nearest" picks the same neighbours where several are tied at the 12th place.
///
/// In a cubic cell, the 12 nearest neighbours of an anti-perovskite's A site are tied in exact arithmetic
/// with neighbours of another element; pymatgen's distances differ from each other in the last bit, and
/// CGCNN's sort keeps whichever came out smaller. The published models were trained on (and their reference
/// predictions made with) that choice.
///
/// Where distances are equal to the last bit too, CGCNN's stable sort keeps pymatgen's enumeration order: its
/// cell list (cubes of edge `cutoff` from the lowest centre coordinate − cutoff − 10⁻⁸) visits the centre's
/// neighbouring cubes in ascending index order, and each cube's points last-inserted first, where points were
/// inserted by image (i, j, k) then atom; `order(from:to:image:)` gives that key.
///
/// The steps, each in pymatgen's operation order: Cartesian centre x = f·L; the neighbour's fractional
/// coordinates recomputed as (f·L)·L⁻¹ (L⁻¹ from cofactors over the determinant), wrapped into [0, 1), taken
/// back to Cartesian; its image added as i·a + j·b + k·c + x_cell; d = √(Σ_m (x_m − c_m)²).
struct PymatgenDistance {
    private let rows: [SIMD3<Double>]
    private let inverse: [SIMD3<Double>]
    private let cartesian: [SIMD3<Double>]
    /// Each atom's wrapped position, Cartesian.
    private let inCell: [SIMD3<Double>]
    /// Each atom's fractional coordinates minus their wrapped ones (whole numbers).
    private let wrapShift: [SIMD3<Double>]
    /// The cell list's origin (per axis, the lowest centre coordinate − cutoff − 10⁻⁸) and cube edge.
    private let origin: SIMD3<Double>
    private let cubeEdge: Double

    init(_ crystal: Crystal, cutoff: Double) {
        let lattice = crystal.lattice
        let rows = [lattice.a, lattice.b, lattice.c]
        let m = { (i: Int, j: Int) in rows[i][j] }
        let det =
            m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1)) + m(0, 1) * (m(1, 2) * m(2, 0) - m(1, 0) * m(2, 2))
            + m(0, 2) * (m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0))
        let inverse = (0..<3).map { i in
            SIMD3<Double>(
                (0..<3).map { j in
                    (m((j + 1) % 3, (i + 1) % 3) * m((j + 2) % 3, (i + 2) % 3) - m((j + 2) % 3, (i + 1) % 3)
                        * m((j + 1) % 3, (i + 2) % 3)) / det
                })
        }
        self.rows = rows
        self.inverse = inverse
        cartesian = crystal.sites.map { Self.product($0.fracCoords, rows) }
        var inCell: [SIMD3<Double>] = []
        var wrapShift: [SIMD3<Double>] = []
        for x in cartesian {
            let f = Self.product(x, inverse)
            let wrapped = SIMD3<Double>((0..<3).map { f[$0] - (f[$0]).rounded(.down) })
            inCell.append(Self.product(wrapped, rows))
            wrapShift.append(f - wrapped)
        }
        self.inCell = inCell
        self.wrapShift = wrapShift
        var lowest = cartesian.first ?? .zero
        for x in cartesian { lowest = pointwiseMin(lowest, x) }
        origin = lowest - SIMD3(repeating: cutoff) - SIMD3(repeating: 1e-8)
        cubeEdge = max(cutoff, 0.1)
    }

    /// pymatgen's position in its enumeration for one neighbour, and the distance: sort by `distance`, then
    /// `cube` ascending, then `insertion` descending.
    struct Order {
        var distance: Double
        var cube: SIMD3<Int>
        /// (image i, j, k, atom).
        var insertion: SIMD4<Int>

        /// Whether `self` comes first in CGCNN's stable sort of pymatgen's list.
        func precedes(_ other: Order) -> Bool {
            if distance != other.distance { return distance < other.distance }
            for m in 0..<3 where cube[m] != other.cube[m] { return cube[m] < other.cube[m] }
            for m in 0..<4 where insertion[m] != other.insertion[m] { return insertion[m] > other.insertion[m] }
            return false
        }
    }

    /// v·M summed in index order from zero, as the Cython loops (and NumPy's small dot) do.
    private static func product(_ v: SIMD3<Double>, _ rows: [SIMD3<Double>]) -> SIMD3<Double> {
        var out = SIMD3<Double>()
        for j in 0..<3 {
            var sum = 0.0
            for k in 0..<3 { sum += v[k] * rows[k][j] }
            out[j] = sum
        }
        return out
    }

    /// Where pymatgen puts atom `atom` translated by `image` (our convention: it sits at `frac[atom] + image`)
    /// among the neighbours of atom `centre`, with its distance as pymatgen computes it.
    func order(from centre: Int, to atom: Int, image: SIMD3<Int32>) -> Order {
        // pymatgen's image is relative to the wrapped position.
        let shifted = SIMD3<Double>(image) + wrapShift[atom]
        let cell = SIMD3<Double>(shifted.x.rounded(), shifted.y.rounded(), shifted.z.rounded())
        var sum = 0.0
        var cube = SIMD3<Int>()
        for m in 0..<3 {
            let x = cell.x * rows[0][m] + cell.y * rows[1][m] + cell.z * rows[2][m] + inCell[atom][m]
            let d = x - cartesian[centre][m]
            sum += d * d
            cube[m] = Int(((x - origin[m] + 1e-8) / cubeEdge).rounded(.down))
        }
        return Order(
            distance: sum.squareRoot(), cube: cube, insertion: SIMD4(Int(cell.x), Int(cell.y), Int(cell.z), atom))
    }
}
