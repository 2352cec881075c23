import Crystal

/// Label values collected while crystals are written: one column of numbers per field, one entry per
/// accepted crystal, NaN where a crystal has no value.
struct LabelTable {
    private(set) var columns: [String: [Double]] = [:]
    /// Fields seen with a text value somewhere: not numeric columns, never default labels.
    private(set) var textFields: Set<String> = []
    /// Fields that came from table columns (MatBench, CSV, id_prop.csv): the default labels.
    private(set) var tableFields: [String] = []
    private(set) var rows = 0

    /// Adds a row for the next crystal from its `fields`; `isDefault(field)` says whether a new column is a
    /// default label.
    ///
    /// Returns the fields whose value was infinite: a label cannot be, so they are stored as
    /// missing (NaN), and the caller reports them.
    @discardableResult
    mutating func addRow(_ fields: [String: FieldValue], isDefault: (String) -> Bool) -> [(String, Double)] {
        var infinite: [(String, Double)] = []
        for (field, value) in fields {
            guard var number = value.labelValue else {
                textFields.insert(field)
                continue
            }
            if columns[field] == nil {
                columns[field] = [Double](repeating: .nan, count: rows)
                if isDefault(field) { tableFields.append(field) }
            }
            if number.isInfinite {
                infinite.append((field, number))
                number = .nan
            }
            columns[field]?.append(number)
        }
        rows += 1
        for field in columns.keys where columns[field]?.count != rows { columns[field]?.append(.nan) }
        return infinite.sorted { $0.0 < $1.0 }
    }

    /// Sets `field` of crystal `row` (a value that arrived after the crystal was written); returns the value
    /// when it was infinite and was stored as missing instead.
    @discardableResult
    mutating func set(_ field: String, row: Int, to value: FieldValue, isDefault: Bool) -> Double? {
        guard let number = value.labelValue else {
            textFields.insert(field)
            return nil
        }
        if columns[field] == nil {
            columns[field] = [Double](repeating: .nan, count: rows)
            if isDefault { tableFields.append(field) }
        }
        columns[field]?[row] = number.isInfinite ? .nan : number
        return number.isInfinite ? number : nil
    }
}
