import Foundation

/// A reader of VASP POSCAR and CONTCAR files (VASP 4, 5 and 6 layouts).
///
/// The layout, line by line: a comment; the scale factor (one positive number multiplies the lattice, one
/// negative number is the target cell volume in Å³, three positive numbers scale the Cartesian x, y, z
/// components); three lattice vectors; the species line (VASP 5/6, possibly continued on more lines, with
/// POTCAR-style names such as `Fe_pv` or `Fe/1a2b3c` read as `Fe`); the counts line; an optional
/// `Selective dynamics` line; `Direct` or `Cartesian` (first letter, case-insensitive; `K` counts as
/// Cartesian); then one line of coordinates per atom. Trailing selective-dynamics flags and species labels on
/// coordinate lines and everything after the coordinates (velocities, predictor-corrector data) are ignored.
///
/// A VASP 4 file has no species line: the elements are then taken from the comment line (`Fe O` or a formula
/// such as `Fe2O3`), else from species labels after the coordinates, else the file is `.malformed`.
///
/// Non-finite numbers (`nan`, `inf`) are passed through unchanged into the `Crystal`; validation rejects them
/// with `.nonFinite`, so a parser never has to decide which of several bad numbers to report.
public enum POSCARParser {
    /// The format name used in errors.
    static let format = "POSCAR"

    /// Parses the POSCAR `text` into a crystal named `id`.
    ///
    /// - Throws: `CrystalError.malformed` with the 1-based line number, `.unknownElement` for a species that
    ///   is not an element, `.noAtoms` when the counts add up to zero.
    public static func parse(_ text: String, id: String) throws -> Crystal {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var cursor = 0

        func line(_ what: String) throws -> (text: Substring, number: Int) {
            guard cursor < lines.count else {
                throw malformed(cursor + 1, "ends before the \(what)")
            }
            defer { cursor += 1 }
            return (lines[cursor], cursor + 1)
        }

        let comment = try line("comment line").text
        let scale = try parseScale(try line("scale factor"))
        var rows: [SIMD3<Double>] = []
        for name in ["first", "second", "third"] {
            rows.append(try vector(try line("\(name) lattice vector"), what: "\(name) lattice vector"))
        }

        // Species (VASP 5/6) or counts (VASP 4).
        var symbols: [Substring] = []
        var speciesLine: Int?
        var counts: [Int] = []
        let first = try line("species or counts line")
        if let leading = tokens(first.text).first, Int(leading) != nil {
            counts = try parseCounts(first)
        } else {
            speciesLine = first.number
            symbols = tokens(first.text)
            while true {
                let next = try line("counts line")
                if let leading = tokens(next.text).first, Int(leading) != nil {
                    counts = try parseCounts(next)
                    break
                }
                symbols += tokens(next.text)
            }
            while counts.count < symbols.count, cursor < lines.count,
                let leading = tokens(lines[cursor]).first, Int(leading) != nil
            {
                counts += try parseCounts(try line("counts line"))
            }
            guard counts.count == symbols.count else {
                throw malformed(
                    speciesLine ?? first.number, "\(symbols.count) species but \(counts.count) atom counts")
            }
        }
        let countsLine = cursor
        // Every atom needs a line: a count past the lines left is a damaged file, refused before anything the
        // size of the count is allocated (or the counts' sum overflows).
        let linesLeft = lines.count - cursor
        if let count = counts.first(where: { $0 > linesLeft }) {
            throw malformed(countsLine, "\(count) atoms of one species, but only \(linesLeft) lines follow")
        }
        let total = counts.reduce(0, +)
        guard total > 0 else { throw CrystalError.noAtoms }
        guard total <= linesLeft else {
            throw malformed(countsLine, "counts add up to \(total) atoms, but only \(linesLeft) lines follow")
        }

        var mode = try line("Direct or Cartesian line")
        var selective = false
        if let letter = mode.text.first(where: { !$0.isWhitespace }), letter == "s" || letter == "S" {
            selective = true
            mode = try line("Direct or Cartesian line")
        }
        guard let letter = mode.text.first(where: { !$0.isWhitespace }) else {
            throw malformed(mode.number, "expected Direct or Cartesian, found an empty line")
        }
        if let word = tokens(mode.text).first, number(word) != nil {
            throw malformed(mode.number, "expected Direct or Cartesian, found '\(mode.text)'")
        }
        let cartesian = "cCkK".contains(letter)

        var coordinates: [SIMD3<Double>] = []
        var labels: [Substring?] = []
        coordinates.reserveCapacity(total)
        for index in 0..<total {
            guard cursor < lines.count else {
                throw malformed(cursor + 1, "ends after \(index) of \(total) coordinate lines")
            }
            let entry = try line("coordinates")
            coordinates.append(try vector(entry, what: "coordinates of atom \(index + 1)"))
            let fields = tokens(entry.text)
            let labelIndex = selective ? 6 : 3
            labels.append(labelIndex < fields.count ? fields[labelIndex] : nil)
        }

        if speciesLine == nil {
            symbols = try vasp4Symbols(comment: comment, labels: labels, counts: counts, countsLine: countsLine)
        }
        var elements: [Element] = []
        elements.reserveCapacity(total)
        for (symbol, count) in zip(symbols, counts) {
            let element = try Self.element(symbol)
            elements += repeatElement(element, count: count)
        }

        // Scale the lattice; Cartesian coordinates are scaled the same way.
        var lattice = Lattice(a: rows[0], b: rows[1], c: rows[2])
        let factor: SIMD3<Double>
        switch scale {
        case .uniform(let value) where value < 0:
            factor = SIMD3(repeating: cbrt(-value / lattice.volume))
        case .uniform(let value):
            factor = SIMD3(repeating: value)
        case .components(let value):
            factor = value
        }
        lattice = Lattice(a: lattice.a * factor, b: lattice.b * factor, c: lattice.c * factor)
        if cartesian {
            coordinates = coordinates.map { lattice.fractional($0 * factor) }
        }
        let sites = zip(elements, coordinates).map { Site($0, $1) }
        return Crystal(id: id, lattice: lattice, sites: sites)
    }

    /// The element of a POSCAR species name: `Fe`, `Fe_pv`, `Fe/1a2b3c` and `Fe_pv/1a2b` all give iron.
    static func element(_ name: Substring) throws -> Element {
        let symbol = potcarSymbol(name)
        guard let element = Element(symbol: symbol) else { throw CrystalError.unknownElement(String(name)) }
        return element
    }

    /// The element symbol part of a POTCAR-style name (before any `/` hash, then before any `_` suffix).
    static func potcarSymbol(_ name: Substring) -> Substring {
        let beforeHash = name.prefix { $0 != "/" }
        return beforeHash.prefix { $0 != "_" }
    }

    private enum Scale {
        case uniform(Double)
        case components(SIMD3<Double>)
    }

    private static func parseScale(_ line: (text: Substring, number: Int)) throws -> Scale {
        let numbers = tokens(line.text).lazy.map(number).prefix { $0 != nil }.compactMap { $0 }
        let values = Array(numbers.prefix(3))
        switch values.count {
        case 0:
            throw malformed(line.number, "expected a scale factor, found '\(line.text)'")
        case 3:
            guard values.allSatisfy({ $0 > 0 }) else {
                throw malformed(line.number, "three scale factors must all be positive")
            }
            return .components(SIMD3(values[0], values[1], values[2]))
        default:
            return .uniform(values[0])
        }
    }

    private static func parseCounts(_ line: (text: Substring, number: Int)) throws -> [Int] {
        var counts: [Int] = []
        for token in tokens(line.text) {
            guard let count = Int(token) else { break }
            guard count >= 0 else { throw malformed(line.number, "negative atom count \(count)") }
            counts.append(count)
        }
        return counts
    }

    private static func vector(_ line: (text: Substring, number: Int), what: String) throws -> SIMD3<Double> {
        let fields = tokens(line.text)
        guard fields.count >= 3, let x = number(fields[0]), let y = number(fields[1]), let z = number(fields[2])
        else {
            throw malformed(line.number, "expected three numbers for the \(what), found '\(line.text)'")
        }
        return SIMD3(x, y, z)
    }

    /// The species of a VASP 4 file: from the comment line, else from the labels after the coordinates.
    private static func vasp4Symbols(
        comment: Substring, labels: [Substring?], counts: [Int], countsLine: Int
    ) throws -> [Substring] {
        let words = tokens(comment)
        if words.count >= counts.count,
            words.prefix(counts.count).allSatisfy({ Element(symbol: potcarSymbol($0)) != nil })
        {
            return Array(words.prefix(counts.count))
        }
        if let word = words.first {
            let name = word.prefix { $0 != "_" && $0 != "." }
            if let symbols = formulaSymbols(name), symbols.count == counts.count { return symbols }
        }
        // Labels after the coordinates: every atom of a group must carry the same one.
        var symbols: [Substring] = []
        var start = 0
        for count in counts {
            let group = labels[start..<(start + count)]
            start += count
            guard let label = group.first ?? nil, group.allSatisfy({ $0 == label }),
                Element(symbol: potcarSymbol(label)) != nil
            else {
                guard count == 0 else { return try noSpecies(countsLine) }
                symbols.append("H")  // An empty group needs a placeholder; no atom uses it.
                continue
            }
            symbols.append(label)
        }
        return symbols
    }

    private static func noSpecies(_ countsLine: Int) throws -> [Substring] {
        throw malformed(
            countsLine,
            "no species line (VASP 4 layout) and no element symbols in the comment line or after the coordinates")
    }

    /// The element symbols of a formula such as `Fe2O3` in order, or `nil` unless the whole text is one.
    private static func formulaSymbols(_ text: Substring) -> [Substring]? {
        var symbols: [Substring] = []
        var index = text.startIndex
        while index < text.endIndex {
            guard text[index].isUppercase, text[index].isASCII else { return nil }
            var end = text.index(after: index)
            if end < text.endIndex, text[end].isLowercase, text[end].isASCII { end = text.index(after: end) }
            let symbol = text[index..<end]
            guard Element(symbol: symbol) != nil else { return nil }
            symbols.append(symbol)
            while end < text.endIndex, text[end].isASCII, text[end].isNumber || text[end] == "." {
                end = text.index(after: end)
            }
            index = end
        }
        return symbols.isEmpty ? nil : symbols
    }

    /// Whitespace-separated fields of a line.
    private static func tokens(_ line: Substring) -> [Substring] {
        line.split(whereSeparator: \.isWhitespace)
    }

    /// A number, accepting Fortran's `D` exponent (`1.0D-3`) too.
    private static func number(_ token: Substring) -> Double? {
        if let value = Double(token) { return value }
        guard token.contains(where: { $0 == "D" || $0 == "d" }) else { return nil }
        return Double(String(token.map { $0 == "D" || $0 == "d" ? "e" : $0 }))
    }

    private static func malformed(_ line: Int, _ message: String) -> CrystalError {
        .malformed(format: format, line: line, message: message)
    }
}
