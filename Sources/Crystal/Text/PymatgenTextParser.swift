/// A reader of pymatgen's `str(Structure)` rendering, the structure text of the MatBench CSV files.
///
/// The rendering, line by line:
///
/// ```
/// Full Formula (Ba1 Te1)
/// Reduced Formula: BaTe
/// abc   :   5.013216   5.013216   5.013216
/// angles:  60.000000  60.000000  60.000000
/// pbc   :       True       True       True      (newer pymatgen only)
/// Overall Charge: +1                             (charged structures only)
/// Sites (2)
///   #  SP      a    b    c    magmom
/// ---  ----  ---  ---  ---  --------
///   0  Te    0.5  0.5  0.5       0.6
///   1  Ba    0    0    0         0.6
/// ```
///
/// The lattice is rebuilt from its parameters as pymatgen's `Lattice.from_parameters` orients it (`c` along
/// z), so Cartesian coordinates may differ from the original by a rotation; fractional coordinates are kept.
/// Species may carry an oxidation state or properties (`Fe2+`, `O2-`, `Fe2+,spin=5`); a disordered site
/// (`Fe:0.500, Ni:0.500`) is `.partialOccupancy`. Columns after `c` (site properties such as `magmom` or
/// `velocities`, which may contain spaces: `[0.0, 0.0, 0.0]`) are ignored. Non-finite numbers pass through
/// unchanged for validation to reject.
public enum PymatgenTextParser {
    /// The format name used in errors.
    static let format = "pymatgen structure text"

    /// Parses pymatgen's rendering `text` into a crystal named `id`.
    ///
    /// - Throws: `CrystalError.malformed` with the 1-based line number within `text`, `.unknownElement`,
    ///   `.partialOccupancy` for a disordered site, `.noAtoms` for `Sites (0)`.
    public static func parse(_ text: String, id: String) throws -> Crystal {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var cursor = 0
        while cursor < lines.count, lines[cursor].allSatisfy(\.isWhitespace) { cursor += 1 }
        guard cursor < lines.count, lines[cursor].drop(while: \.isWhitespace).hasPrefix("Full Formula") else {
            throw malformed(cursor + 1, "expected 'Full Formula (…)' as the first line")
        }
        cursor += 1

        // Header lines up to `Sites (N)`.
        var lengths: SIMD3<Double>?
        var angles: SIMD3<Double>?
        var siteCount: Int?
        while cursor < lines.count {
            let line = lines[cursor]
            let number = cursor + 1
            cursor += 1
            let (key, value) = splitKey(line)
            switch key {
            case "abc":
                lengths = try triple(value, line: number, what: "lattice lengths")
            case "angles":
                angles = try triple(value, line: number, what: "lattice angles")
            case "pbc":
                let flags = value.split(whereSeparator: \.isWhitespace)
                if !flags.isEmpty, flags.allSatisfy({ $0.lowercased() == "false" }) {
                    throw malformed(number, "pbc is False in every direction: not a periodic structure")
                }
            default:
                let trimmed = line.drop(while: \.isWhitespace)
                if trimmed.hasPrefix("Sites") {
                    let inside = trimmed.dropFirst("Sites".count).drop(while: \.isWhitespace)
                    guard inside.first == "(", let close = inside.firstIndex(of: ")"),
                        let count = Int(trim(inside[inside.index(after: inside.startIndex)..<close])), count >= 0
                    else {
                        throw malformed(number, "expected 'Sites (N)', found '\(line)'")
                    }
                    siteCount = count
                }
            }
            if siteCount != nil { break }
        }
        guard let count = siteCount else { throw malformed(lines.count, "no 'Sites (N)' line") }
        guard let lengths else { throw malformed(cursor, "no 'abc :' line before 'Sites (\(count))'") }
        guard let angles else { throw malformed(cursor, "no 'angles:' line before 'Sites (\(count))'") }
        guard count > 0 else { throw CrystalError.noAtoms }

        // The table: a header line starting with `#`, a line of dashes, then one row per site.
        while cursor < lines.count, lines[cursor].allSatisfy(\.isWhitespace) { cursor += 1 }
        guard cursor < lines.count, lines[cursor].drop(while: \.isWhitespace).hasPrefix("#") else {
            throw malformed(cursor + 1, "expected the site table header '#  SP  a  b  c'")
        }
        cursor += 1
        guard cursor < lines.count, lines[cursor].drop(while: \.isWhitespace).hasPrefix("-") else {
            throw malformed(cursor + 1, "expected the line of dashes under the site table header")
        }
        cursor += 1

        var sites: [Site] = []
        // No more rows than lines left: 'Sites (211111111111111)' (found by fuzzing) reserved petabytes.
        sites.reserveCapacity(min(count, lines.count - cursor))
        while sites.count < count {
            guard cursor < lines.count, !lines[cursor].allSatisfy(\.isWhitespace) else {
                throw malformed(cursor + 1, "'Sites (\(count))' but the table ends after \(sites.count) rows")
            }
            sites.append(try site(lines[cursor], index: sites.count, line: cursor + 1))
            cursor += 1
        }
        if let extra = lines[cursor...].firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }) {
            throw malformed(extra + 1, "more rows than 'Sites (\(count))'")
        }
        return Crystal(id: id, lattice: Lattice(lengths: lengths, anglesInDegrees: angles), sites: sites)
    }

    /// One row of the site table: `index  species  a  b  c  [extra columns]`.
    private static func site(_ line: Substring, index: Int, line number: Int) throws -> Site {
        let fields = line.split(whereSeparator: \.isWhitespace)
        guard let first = fields.first, Int(first) == index else {
            throw malformed(number, "expected site \(index), found '\(line)'")
        }
        // A disordered species spans several fields: `Fe:0.5, Ni:0.5`.
        var next = 1
        var species = ""
        while next < fields.count {
            species += (species.isEmpty ? "" : " ") + fields[next]
            next += 1
            if !species.hasSuffix(",") { break }
        }
        guard fields.count >= next + 3, let a = Double(fields[next]), let b = Double(fields[next + 1]),
            let c = Double(fields[next + 2])
        else {
            throw malformed(number, "expected 'index species a b c', found '\(line)'")
        }
        let element = try Self.element(species, site: index)
        return Site(element, SIMD3(a, b, c))
    }

    /// The element of a species column: `Fe`, `Fe2+`, `O2-`, `Fe2+,spin=5`; a disordered site throws.
    private static func element(_ species: String, site: Int) throws -> Element {
        var symbol = Substring(species)
        if species.contains(":") {
            // `Fe:0.500` or `Fe:0.500, Ni:0.500`: one species with occupancy 1 is still an ordered site.
            let parts = species.split(separator: ",").map(trim)
            guard parts.count == 1, let colon = parts[0].lastIndex(of: ":"),
                let occupancy = Double(parts[0][parts[0].index(after: colon)...]), occupancy == 1
            else {
                throw CrystalError.partialOccupancy(site: site, detail: species)
            }
            symbol = parts[0][..<colon]
        }
        let letters = symbol.prefix { $0.isASCII && $0.isLetter }
        guard !letters.isEmpty, let element = Element(symbol: letters) else {
            throw CrystalError.unknownElement(species)
        }
        return element
    }

    /// `abc   :  1 2 3` → (`abc`, `  1 2 3`); a line without a colon gives an empty key.
    private static func splitKey(_ line: Substring) -> (key: Substring, value: Substring) {
        guard let colon = line.firstIndex(of: ":") else { return ("", line) }
        return (trim(line[..<colon]), line[line.index(after: colon)...])
    }

    private static func triple(_ text: Substring, line: Int, what: String) throws -> SIMD3<Double> {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, let x = Double(fields[0]), let y = Double(fields[1]), let z = Double(fields[2])
        else {
            throw malformed(line, "expected three numbers for the \(what), found '\(text)'")
        }
        return SIMD3(x, y, z)
    }

    /// The text without leading and trailing whitespace.
    private static func trim(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return text[text.endIndex...] }
        return text[first...last]
    }

    private static func malformed(_ line: Int, _ message: String) -> CrystalError {
        .malformed(format: format, line: line, message: message)
    }
}
