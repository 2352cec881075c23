/// How many atoms of each element a cell holds, in order of first appearance, with pymatgen's formula
/// conventions: `formula` ("Si2 O4") and `reducedFormula` ("SiO2").
public struct Composition: Sendable, Hashable {
    /// Elements and their counts, in order of first appearance.
    public private(set) var counts: [(element: Element, count: Int)] = []

    /// The composition of a list of atoms.
    public init(_ elements: [Element]) {
        var index: [Element: Int] = [:]
        for element in elements {
            if let position = index[element] {
                counts[position].count += 1
            } else {
                index[element] = counts.count
                counts.append((element, 1))
            }
        }
    }

    /// The number of atoms.
    public var atomCount: Int { counts.reduce(0) { $0 + $1.count } }

    /// The full formula, such as `K4 Ge2 F12`.
    ///
    /// Elements by increasing electronegativity (ties in order of appearance), each with its count.
    public var formula: String {
        let ordered = counts.enumerated().sorted { lhs, rhs in
            let (x, y) = (sortKey(lhs.element.element), sortKey(rhs.element.element))
            return x != y ? x < y : lhs.offset < rhs.offset
        }
        return ordered.map { "\($0.element.element.symbol)\($0.element.count)" }.joined(separator: " ")
    }

    /// The reduced formula, such as `K2GeF6`, `SiO2`, `Ca(NO3)2`, `O2`.
    ///
    /// Counts are divided by their greatest common divisor; elements go by increasing electronegativity
    /// (ties by symbol); when the two most electronegative of three or more elements differ by less than
    /// 1.65 and form a group that reduces further, they are written as a bracketed polyanion; `O`, `H2O`-like
    /// peroxides follow pymatgen's special cases (`O2`, `H2O2`, `Li2O2`, …).
    public var reducedFormula: String {
        var (formula, _) = reduce(counts.map { ($0.element, $0.count) })
        if let special = specialFormulas[formula] { formula = special }
        return formula
    }

    private func reduce(_ amounts: [(Element, Int)]) -> (String, Int) {
        let ordered = amounts.filter { $0.1 != 0 }.sorted { lhs, rhs in
            let (x, y) = (sortKey(lhs.0), sortKey(rhs.0))
            return x != y ? x < y : lhs.0.symbol < rhs.0.symbol
        }
        let factor = ordered.reduce(0) { gcd($0, abs($1.1)) }
        guard factor > 0 else { return ("", 1) }
        var polyanion = ""
        var head = ordered[...]
        if ordered.count >= 3 {
            let last = ordered[ordered.count - 1]
            let previous = ordered[ordered.count - 2]
            if sortKey(last.0) - sortKey(previous.0) < 1.65 {
                let (poly, polyFactor) = reduce([(previous.0, previous.1 / factor), (last.0, last.1 / factor)])
                if polyFactor != 1 {
                    polyanion = "(\(poly))\(polyFactor)"
                    head = ordered.dropLast(2)
                }
            }
        }
        let text = head.map { $0.0.symbol + ($0.1 / factor == 1 ? "" : "\($0.1 / factor)") }.joined()
        return (text + polyanion, factor)
    }
}

extension Composition: Equatable {
    public static func == (lhs: Composition, rhs: Composition) -> Bool {
        lhs.counts.map(\.element) == rhs.counts.map(\.element) && lhs.counts.map(\.count) == rhs.counts.map(\.count)
    }
}

extension Composition {
    public func hash(into hasher: inout Hasher) {
        for (element, count) in counts {
            hasher.combine(element)
            hasher.combine(count)
        }
    }
}

/// Electronegativity for ordering; elements without one (He, Ne, Ar) go last.
private func sortKey(_ element: Element) -> Double { element.electronegativity ?? .infinity }

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// pymatgen's special reduced formulas for elemental gases and peroxides.
private let specialFormulas: [String: String] = [
    "LiO": "Li2O2", "NaO": "Na2O2", "KO": "K2O2", "HO": "H2O2", "CsO": "Cs2O2", "RbO": "Rb2O2",
    "O": "O2", "N": "N2", "F": "F2", "Cl": "Cl2", "H": "H2",
]
