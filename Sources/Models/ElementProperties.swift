extension AtomFeatures {
    /// The oxidation states one-hot encoded by `elementProperties()`: −4 … +9, every state PubChem lists.
    public static let oxidationStateRange = -4...9

    /// What kgcnn's `PeriodicTable` puts where PubChem has no value, before standardising: the mean radius
    /// (209.46 pm), an electronegativity of 1.18 (a guess from neighbouring elements) and the mean ionisation
    /// energy (8 eV).
    static let imputed = (radius: 209.46, electronegativity: 1.18, ionizationEnergy: 8.0)

    /// coGN's and coNGN's element properties (Ruff and others, 2023) for Z = 1…118, from PubChem's periodic table
    /// (`pubChemElements`) as kgcnn's `PeriodicTable` builds them for the paper's runs: atomic mass, atomic radius,
    /// electronegativity and first ionisation energy, a missing value replaced by `imputed`'s, each column
    /// standardised over the 118 elements (mean 0, sample standard deviation 1); then one column per oxidation state
    /// in `oxidationStateRange`, 1 where PubChem lists the state: 4 + 14 = 18 columns.
    public static func elementProperties() -> AtomFeatures {
        let columns = [
            pubChemElements.map(\.mass), pubChemElements.map { $0.radius ?? imputed.radius },
            pubChemElements.map { $0.electronegativity ?? imputed.electronegativity },
            pubChemElements.map { $0.ionizationEnergy ?? imputed.ionizationEnergy },
        ].map(standardize)
        let rows = pubChemElements.indices.map { i in
            columns.map { Float($0[i]) }
                + oxidationStateRange.map { pubChemElements[i].oxidationStates.contains($0) ? Float(1) : 0 }
        }
        return AtomFeatures(atomicNumbers: Array(1...pubChemElements.count), rows: rows)
    }

    /// (x − mean) / std with the sample standard deviation.
    private static func standardize(_ values: [Double]) -> [Double] {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return values.map { ($0 - mean) / variance.squareRoot() }
    }
}
