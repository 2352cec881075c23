import Foundation

/// Reads crystal structures from CIF (Crystallographic Information File) data blocks.
///
/// One data block becomes one `Crystal`, named after the block: the cell from `_cell_length_a/b/c` and
/// `_cell_angle_alpha/beta/gamma`, the asymmetric unit from the `_atom_site_` loop (fractional
/// coordinates; the element from `_atom_site_type_symbol`, else from the start of `_atom_site_label`), and
/// the symmetry operations from `_symmetry_equiv_pos_as_xyz` or `_space_group_symop_operation_xyz`
/// (identity only when there are none). Every operation is applied to every site, coordinates are wrapped
/// into [0, 1), and images closer than `mergeTolerance` to an atom of the same element are merged.
/// Disordered structures (partial occupancy, or two elements on one position) are rejected.
///
/// Use `CIFBlockSplitter` to cut a file into blocks.
public enum CIFParser {
    /// Images of a site closer than this (Å) to an earlier atom count as the same atom.
    public static let mergeTolerance = 0.01
    /// How far an occupancy may be from 1 and still count as fully occupied.
    public static let occupancyTolerance = 0.01

    /// Parses one CIF data block (from its `data_` line; comments before it are allowed).
    ///
    /// - Throws: `CrystalError.malformed` for text that is not CIF, a missing or bad cell or atom-site
    ///   loop, or a symmetry operation that cannot be read; `.unknownElement` for an atom whose symbol names
    ///   no element; `.partialOccupancy` for a disordered site; `.nonFinite` for infinite numbers; `.noAtoms`
    ///   for an empty atom-site loop.
    public static func parseBlock(_ text: String) throws -> Crystal {
        var text = text
        return try text.withUTF8 { bytes in try parse(bytes) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Crystal {
        let block = try CIFBlock(bytes: bytes)
        let lattice = try readLattice(block, bytes)
        let operations = try readOperations(block, bytes)
        let atoms = try readAtoms(block, bytes)
        let sites = try expand(atoms, by: operations, in: lattice)
        return Crystal(id: block.name, lattice: lattice, sites: sites)
    }

    // MARK: Cell

    private static func readLattice(_ block: CIFBlock, _ bytes: UnsafeBufferPointer<UInt8>) throws -> Lattice {
        func parameter(_ tag: String) throws -> Double {
            guard let value = block.items[tag] ?? singleLoopValue(block, tag) else {
                throw CrystalError.malformed(format: "CIF", line: nil, message: "no unit cell: \(tag) is missing")
            }
            return try number(value, bytes, tag: tag)
        }
        var lengths = SIMD3<Double>.zero
        var angles = SIMD3<Double>.zero
        for (axis, name) in ["a", "b", "c"].enumerated() {
            let tag = "_cell_length_\(name)"
            lengths[axis] = try parameter(tag)
            guard lengths[axis].isFinite else { throw CrystalError.nonFinite("unit cell parameters") }
            guard lengths[axis] > 0 else {
                throw CrystalError.malformed(
                    format: "CIF", line: nil, message: "\(tag) \(lengths[axis]) is not positive")
            }
        }
        for (axis, name) in ["alpha", "beta", "gamma"].enumerated() {
            let tag = "_cell_angle_\(name)"
            angles[axis] = try parameter(tag)
            guard angles[axis].isFinite else { throw CrystalError.nonFinite("unit cell parameters") }
            guard angles[axis] > 0, angles[axis] < 180 else {
                throw CrystalError.malformed(
                    format: "CIF", line: nil, message: "\(tag) \(angles[axis])° is not between 0 and 180")
            }
        }
        // The angles form a cell only if the metric's determinant 1 − Σcos² + 2Πcos is positive.
        let cosines = SIMD3(cos(angles.x * .pi / 180), cos(angles.y * .pi / 180), cos(angles.z * .pi / 180))
        let metric = 1 - (cosines * cosines).sum() + 2 * cosines.x * cosines.y * cosines.z
        guard metric > 1e-10 else {
            throw CrystalError.malformed(
                format: "CIF", line: nil,
                message: "cell angles \(angles.x)°, \(angles.y)°, \(angles.z)° do not form a cell")
        }
        let lattice = Lattice(lengths: lengths, anglesInDegrees: angles)
        guard lattice.isFinite else { throw CrystalError.nonFinite("lattice") }
        return lattice
    }

    /// The value of `tag` when it is in a loop with exactly one row.
    private static func singleLoopValue(_ block: CIFBlock, _ tag: String) -> CIFBlock.Value? {
        guard let (loop, column) = block.loopedTags[tag], block.loops[loop].values.count == block.loops[loop].tags.count
        else { return nil }
        return block.loops[loop].values[column]
    }

    // MARK: Symmetry

    private static let operationTags = ["_symmetry_equiv_pos_as_xyz", "_space_group_symop_operation_xyz"]

    private static func readOperations(
        _ block: CIFBlock, _ bytes: UnsafeBufferPointer<UInt8>
    ) throws -> [SymmetryOperation] {
        for tag in operationTags {
            let values: [CIFBlock.Value]
            if let (loop, column) = block.loopedTags[tag] {
                let loop = block.loops[loop]
                values = stride(from: column, to: loop.values.count, by: loop.tags.count).map { loop.values[$0] }
            } else if let value = block.items[tag] {
                values = [value]
            } else {
                continue
            }
            var operations: [SymmetryOperation] = []
            var seen: Set<SymmetryOperation> = []
            for value in values where !isNull(value, bytes) {
                let operationBytes = UnsafeBufferPointer(rebasing: bytes[value.start..<value.end])
                guard let operation = SymmetryOperation(parsing: operationBytes) else {
                    throw CrystalError.malformed(
                        format: "CIF", line: value.line,
                        message: "cannot read symmetry operation '\(text(bytes, value.start, value.end, limit: 60))'")
                }
                if seen.insert(operation).inserted { operations.append(operation) }
            }
            if !operations.isEmpty { return operations }
        }
        return [.identity]
    }

    // MARK: Atoms

    /// One row of the atom-site loop.
    private struct AtomSite {
        var label: String
        var element: Element
        var fracCoords: SIMD3<Double>
    }

    private static func readAtoms(_ block: CIFBlock, _ bytes: UnsafeBufferPointer<UInt8>) throws -> [AtomSite] {
        guard let table = block.table(containing: "_atom_site_fract_x", category: "_atom_site_") else {
            let message =
                block.items["_atom_site_cartn_x"] != nil || block.loopedTags["_atom_site_cartn_x"] != nil
                ? "atom sites are given only in Cartesian coordinates (_atom_site_Cartn_x), which are not supported"
                : "no atom sites: _atom_site_fract_x is missing"
            throw CrystalError.malformed(format: "CIF", line: nil, message: message)
        }
        var coordinateColumns: [Int] = []
        for tag in ["_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"] {
            guard let column = table.column(tag) else {
                throw CrystalError.malformed(format: "CIF", line: table.line, message: "atom sites have no \(tag)")
            }
            coordinateColumns.append(column)
        }
        let labelColumn = table.column("_atom_site_label")
        let symbolColumn = table.column("_atom_site_type_symbol")
        let occupancyColumn = table.column("_atom_site_occupancy")
        guard labelColumn != nil || symbolColumn != nil else {
            throw CrystalError.malformed(
                format: "CIF", line: table.line,
                message: "atom sites have neither _atom_site_type_symbol nor _atom_site_label")
        }
        guard table.rowCount > 0 else { throw CrystalError.noAtoms }
        var atoms: [AtomSite] = []
        atoms.reserveCapacity(table.rowCount)
        for row in 0..<table.rowCount {
            let labelValue = labelColumn.map { table.value(row: row, column: $0) }
            let label = labelValue.map { text(bytes, $0.start, $0.end) } ?? "atom \(row + 1)"
            let element: Element
            if let value = symbolColumn.map({ table.value(row: row, column: $0) }), !isNull(value, bytes) {
                element = try parseElement(bytes, value)
            } else if let labelValue, !isNull(labelValue, bytes) {
                element = try parseElement(bytes, labelValue)
            } else {
                throw CrystalError.malformed(
                    format: "CIF", line: table.line, message: "atom site \(label) has no element symbol or label")
            }
            if let value = occupancyColumn.map({ table.value(row: row, column: $0) }), !isNull(value, bytes) {
                let occupancy = try number(value, bytes, tag: "_atom_site_occupancy")
                guard abs(occupancy - 1) <= occupancyTolerance else {
                    let written = text(bytes, value.start, value.end, limit: 20)
                    throw CrystalError.partialOccupancy(
                        site: row, detail: "\(label) (\(element.symbol)) has occupancy \(written)")
                }
            }
            var f = SIMD3<Double>.zero
            for axis in 0..<3 {
                let value = table.value(row: row, column: coordinateColumns[axis])
                guard !isNull(value, bytes) else {
                    throw CrystalError.malformed(
                        format: "CIF", line: value.line, message: "atom site \(label) has an unknown coordinate")
                }
                f[axis] = idealized(try number(value, bytes, tag: table.tags[coordinateColumns[axis]]))
            }
            guard f.x.isFinite, f.y.isFinite, f.z.isFinite else {
                throw CrystalError.nonFinite("fractional coordinates of atom site \(label)")
            }
            atoms.append(AtomSite(label: label, element: element, fracCoords: f))
        }
        return atoms
    }

    /// `x` replaced by 1/3 or 2/3 when within a relative 10⁻⁴ of it (as pymatgen does), so that coordinates
    /// written `0.3333` map onto themselves under three-fold axes.
    private static func idealized(_ x: Double) -> Double {
        for ideal in [1.0 / 3, 2.0 / 3] where abs(x / ideal - 1) <= 1e-4 { return ideal }
        return x
    }

    /// The element named by a type symbol (`Fe`, `Fe3+`, `O2-`) or a label (`Fe1`, `O2a`, `ba`).
    ///
    /// The leading letters are tried whole, then their first two, then their first one, so `Fe3+` is Fe,
    /// `OW1` is O and `Sn` is Sn.
    private static func parseElement(_ bytes: UnsafeBufferPointer<UInt8>, _ value: CIFBlock.Value) throws -> Element {
        var end = value.start
        while end < value.end, asciiLowercase(bytes[end]) &- UInt8(ascii: "a") < 26 { end += 1 }
        let letters = text(bytes, value.start, end)
        for length in [letters.count, 2, 1] where length <= letters.count && length > 0 {
            if let element = Element(symbol: letters.prefix(length)) { return element }
        }
        throw CrystalError.unknownElement(letters.isEmpty ? text(bytes, value.start, value.end, limit: 20) : letters)
    }

    // MARK: Values

    /// Whether `value` is CIF's unknown `?` or inapplicable `.` (unquoted).
    private static func isNull(_ value: CIFBlock.Value, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        value.kind == .bare && value.end - value.start == 1
            && (bytes[value.start] == UInt8(ascii: "?") || bytes[value.start] == UInt8(ascii: "."))
    }

    /// The number in `value`, for `tag`.
    private static func number(
        _ value: CIFBlock.Value, _ bytes: UnsafeBufferPointer<UInt8>, tag: String
    ) throws -> Double {
        if isNull(value, bytes) {
            let written = text(bytes, value.start, value.end)
            throw CrystalError.malformed(format: "CIF", line: value.line, message: "\(tag) is unknown ('\(written)')")
        }
        guard let number = CIFNumber.parse(bytes, value.start, value.end) else {
            throw CrystalError.malformed(
                format: "CIF", line: value.line,
                message: "\(tag) value '\(text(bytes, value.start, value.end, limit: 40))' is not a number")
        }
        return number
    }

    // MARK: Expansion

    /// Every image of every atom under `operations`, wrapped into [0, 1), with coincident images merged.
    ///
    /// Each image is compared with every atom kept so far (O(n²) in the cell's atom count, a few
    /// nanoseconds a pair): closer than `mergeTolerance` (minimum image) to an atom of the same element, it
    /// is dropped; to an atom of another element, the structure is disordered.
    private static func expand(
        _ atoms: [AtomSite], by operations: [SymmetryOperation], in lattice: Lattice
    ) throws -> [Site] {
        var coordinates: [SIMD3<Double>] = []
        var origins: [Int] = []  // the atom-site row of each kept atom
        coordinates.reserveCapacity(atoms.count * operations.count)
        origins.reserveCapacity(atoms.count * operations.count)
        let tolerance = mergeTolerance
        // |Δf_i| ≤ |Δr| · |a*_i|: a cheap bound that rejects most pairs before the Cartesian distance.
        let reciprocal = lattice.reciprocal
        let fractionalBound = tolerance * SIMD3(length(reciprocal.a), length(reciprocal.b), length(reciprocal.c))
        for (row, atom) in atoms.enumerated() {
            for operation in operations {
                var f = operation.apply(atom.fracCoords)
                f -= f.rounded(.down)
                f.replace(with: 0, where: f .>= 1)
                let match = coordinates.withUnsafeBufferPointer { kept -> Int? in
                    for index in kept.indices {
                        // Both in [0, 1): the minimum-image difference is in (-0.5, 0.5].
                        var delta = f - kept[index]
                        delta.replace(with: delta - 1, where: delta .> 0.5)
                        delta.replace(with: delta + 1, where: delta .< -0.5)
                        if any(delta .> fractionalBound) || any(delta .< -fractionalBound) { continue }
                        if length(lattice.cartesian(delta)) < tolerance { return index }
                    }
                    return nil
                }
                guard let index = match else {
                    coordinates.append(f)
                    origins.append(row)
                    continue
                }
                let other = atoms[origins[index]]
                if other.element != atom.element {
                    throw CrystalError.partialOccupancy(
                        site: row,
                        detail: "\(atom.label) (\(atom.element.symbol)) and \(other.label) (\(other.element.symbol)) "
                            + "share the position (\(format(f.x)), \(format(f.y)), \(format(f.z)))")
                }
            }
        }
        return zip(coordinates, origins).map { Site(atoms[$1].element, $0) }
    }

    private static func format(_ x: Double) -> String { formatted(x, digits: 4) }
}
