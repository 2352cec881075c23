import Foundation

/// Writes a crystal as a P1 CIF data block that `CIFParser` (and pymatgen, VESTA, ASE) reads back.
///
/// The block is named after the crystal's id (whitespace replaced by `_`, since CIF block names cannot hold
/// it) and holds the cell (`_cell_length_a/b/c` in Å, `_cell_angle_alpha/beta/gamma` in degrees), the space
/// group `P 1` with its one operation `x, y, z`, and one `_atom_site_` row per site: label (symbol and a
/// per-element count, `Fe1`, `Fe2`, `O1`), type symbol, fractional coordinates wrapped into [0, 1), occupancy 1.
///
/// Lengths and angles cannot say whether a basis is right- or left-handed, and readers rebuild a right-handed
/// one. A left-handed lattice (negative `a · (b × c)`) is therefore written as the basis `−a, −b, −c`, which has
/// the same lengths and angles and is right-handed, with every fractional coordinate negated: the atoms keep
/// their Cartesian positions, and the structure read back is the same one turned, never its mirror image.
public enum CIFWriter {
    /// The CIF text of `crystal`, ending with a newline.
    public static func write(_ crystal: Crystal) -> String {
        let name = String(crystal.id.map { $0.isWhitespace ? "_" : $0 })
        let lengths = crystal.lattice.lengths
        let angles = crystal.lattice.anglesInDegrees
        var lines = [
            "data_\(name.isEmpty ? "crystal" : name)",
            "_symmetry_space_group_name_H-M 'P 1'",
            "_symmetry_Int_Tables_number 1",
            number("_cell_length_a", lengths.x),
            number("_cell_length_b", lengths.y),
            number("_cell_length_c", lengths.z),
            number("_cell_angle_alpha", angles.x),
            number("_cell_angle_beta", angles.y),
            number("_cell_angle_gamma", angles.z),
            "loop_",
            "_symmetry_equiv_pos_as_xyz",
            "  'x, y, z'",
            "loop_",
            "_atom_site_label",
            "_atom_site_type_symbol",
            "_atom_site_fract_x",
            "_atom_site_fract_y",
            "_atom_site_fract_z",
            "_atom_site_occupancy",
        ]
        let sign: Double = crystal.lattice.determinant < 0 ? -1 : 1
        var counts: [Element: Int] = [:]
        for site in crystal.sites {
            counts[site.element, default: 0] += 1
            let symbol = site.element.symbol
            let f = site.fracCoords * sign
            lines.append(
                "  \(symbol)\(counts[site.element] ?? 1)  \(symbol)  \(fraction(f.x))  \(fraction(f.y))  "
                    + "\(fraction(f.z))  1")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `tag` and `value` with ten decimals.
    private static func number(_ tag: String, _ value: Double) -> String {
        "\(tag) " + String(format: "%.10f", value)
    }

    /// `value` wrapped into [0, 1), with ten decimals (a value that rounds to 1 is written as 0).
    private static func fraction(_ value: Double) -> String {
        let wrapped = value - value.rounded(.down)
        let text = String(format: "%.10f", wrapped)
        return text == "1.0000000000" ? "0.0000000000" : text
    }
}
