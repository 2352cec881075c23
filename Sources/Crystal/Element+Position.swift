extension Element {
    /// The period (row of the periodic table), 1–7.
    public var period: Int {
        // The last atomic number of each period: He, Ne, Ar, Kr, Xe, Rn, Og.
        let ends = [2, 10, 18, 36, 54, 86, 118]
        return (ends.firstIndex { atomicNumber <= $0 } ?? 6) + 1
    }

    /// The IUPAC group, 1–18, or nil for the f-block elements Ce–Lu and Th–Lr (La and Ac count as group 3).
    public var group: Int? {
        let starts = [1, 3, 11, 19, 37, 55, 87]
        let offset = atomicNumber - starts[period - 1]
        switch period {
        case 1: return atomicNumber == 1 ? 1 : 18
        case 2, 3: return offset < 2 ? offset + 1 : offset + 11
        case 4, 5: return offset + 1
        default:
            if offset < 3 { return offset + 1 }
            return offset <= 16 ? nil : offset - 13
        }
    }
}
