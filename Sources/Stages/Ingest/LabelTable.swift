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
    mutating func addRow(_ fields: [String: FieldValue], isDefault: (String) -> Bool) {
        for (field, value) in fields {
            guard let number = value.labelValue else {
                textFields.insert(field)
                continue
            }
            if columns[field] == nil {
                columns[field] = [Double](repeating: .nan, count: rows)
                if isDefault(field) { tableFields.append(field) }
            }
            columns[field]?.append(number)
        }
        rows += 1
        for field in columns.keys where columns[field]?.count != rows { columns[field]?.append(.nan) }
    }

    /// Sets `field` of crystal `row` (a value that arrived after the crystal was written).
    mutating func set(_ field: String, row: Int, to value: FieldValue, isDefault: Bool) {
        guard let number = value.labelValue else {
            textFields.insert(field)
            return
        }
        if columns[field] == nil {
            columns[field] = [Double](repeating: .nan, count: rows)
            if isDefault { tableFields.append(field) }
        }
        columns[field]?[row] = number
    }
}
