/// A chemical element, Z = 1…103 (hydrogen to lawrencium).
public struct Element: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The atomic number Z.
    public let atomicNumber: Int

    /// The largest atomic number known here.
    public static let maxAtomicNumber = periodicTable.count

    /// The element with atomic number `z`, or `nil` outside 1…103.
    public init?(atomicNumber z: Int) {
        guard (1...Element.maxAtomicNumber).contains(z) else { return nil }
        atomicNumber = z
    }

    /// The element with `symbol` (`Fe`; `FE` and `fe` are accepted too), or `nil` if there is none.
    public init?(symbol: some StringProtocol) {
        if let z = symbolToNumber[String(symbol)]
            ?? symbolToNumber[symbol.prefix(1).uppercased() + symbol.dropFirst().lowercased()]
        {
            atomicNumber = z
        } else {
            return nil
        }
    }

    /// The symbol, such as `Fe`.
    public var symbol: String { periodicTable[atomicNumber - 1].symbol }
    /// The English name, such as `Iron`.
    public var name: String { periodicTable[atomicNumber - 1].name }
    /// The Pauling electronegativity; `nil` for He, Ne and Ar, which have none.
    public var electronegativity: Double? { periodicTable[atomicNumber - 1].electronegativity }
    /// The standard atomic mass, u.
    public var mass: Double { periodicTable[atomicNumber - 1].mass }
    /// The empirical atomic radius (Slater, 1964), Å; `nil` where none is tabulated (most noble gases, At, Fr,
    /// Z > 95).
    public var atomicRadius: Double? { periodicTable[atomicNumber - 1].radius }
    /// The van der Waals radius as pymatgen tabulates it (`Element.van_der_waals_radius`), Å; `nil` for Lr.
    public var vanDerWaalsRadius: Double? { periodicTable[atomicNumber - 1].vanDerWaalsRadius }
    /// The first ionisation energy, eV; `nil` where none is tabulated.
    public var ionizationEnergy: Double? { periodicTable[atomicNumber - 1].ionizationEnergy }
    /// The known oxidation states, ascending (empty for the noble gases He, Ne, Ar).
    public var oxidationStates: [Int] { periodicTable[atomicNumber - 1].oxidationStates }
    /// The common oxidation states (pymatgen's list), ascending, such as O: [−2], Fe: [+2, +3]; empty for He, Ne,
    /// Ar and Rn.
    public var commonOxidationStates: [Int] { periodicTable[atomicNumber - 1].commonOxidationStates }

    public var description: String { symbol }

    public static func < (lhs: Element, rhs: Element) -> Bool { lhs.atomicNumber < rhs.atomicNumber }
}

private let symbolToNumber: [String: Int] = Dictionary(
    uniqueKeysWithValues: periodicTable.enumerated().map { ($0.element.symbol, $0.offset + 1) })
