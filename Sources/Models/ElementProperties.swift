import Crystal

extension AtomFeatures {
    /// The oxidation states one-hot encoded by `elementProperties()`, −4 … +8 (the common states span −4 … +7;
    /// the +8 column, always 0, keeps the width of models trained on the earlier table).
    public static let oxidationStateRange = -4...8

    /// coGN's atomic properties (Ruff and others, 2023, after PubChem's periodic table) for Z = 1…103: atomic
    /// mass, van der Waals radius, Pauling electronegativity and first ionisation energy, each standardised over
    /// the elements (mean 0, std 1; a missing value is the mean, so 0), then one column per oxidation state in
    /// `oxidationStateRange` (1 when it is one of the element's common states): 4 + 13 = 17 columns.
    public static func elementProperties() -> AtomFeatures {
        let elements = (1...103).compactMap { Element(atomicNumber: $0) }
        let columns: [[Double?]] = [
            elements.map(\.mass), elements.map(\.vanDerWaalsRadius), elements.map(\.electronegativity),
            elements.map(\.ionizationEnergy),
        ]
        let standardized = columns.map(standardize)
        let rows = elements.indices.map { i in
            standardized.map { Float($0[i]) }
                + oxidationStateRange.map { elements[i].commonOxidationStates.contains($0) ? Float(1) : 0 }
        }
        return AtomFeatures(atomicNumbers: elements.map(\.atomicNumber), rows: rows)
    }

    /// (x − mean) / std over the known values (sample std); missing values become 0.
    private static func standardize(_ values: [Double?]) -> [Double] {
        let known = values.compactMap { $0 }
        let mean = known.reduce(0, +) / Double(known.count)
        let variance = known.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(known.count - 1)
        let std = variance > 0 ? variance.squareRoot() : 1
        return values.map { $0.map { ($0 - mean) / std } ?? 0 }
    }
}
