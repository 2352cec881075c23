import Crystal
import Foundation

/// What ingest remembers across records and files: ids seen, fingerprints of the crystals kept, labels
/// collected, `id_prop.csv` targets, label units from manifests.
struct IngestState {
    let parameters: IngestParameters
    /// id → where it was first seen (the file and record, joined only for a duplicate's message).
    var seenIDs: [String: (file: String, record: String)] = [:]
    /// Fingerprints of the crystals kept so far (`--unique`).
    var duplicates = DuplicateIndex()
    /// Label columns collected so far.
    var labels = LabelTable()
    /// `id_prop.csv` targets: id (file stem) → field → value.
    var idProp: [String: [String: Double]] = [:]
    /// Label units from data manifests: label → unit.
    var units: [String: String] = [:]
    /// For a file listed in a data manifest with labels: those labels, the only default labels it gives.
    var labelFilter: Set<String>?
    /// The file being read, its stem and whether it holds one structure (CIF, POSCAR): set by `begin(file:)`
    /// so per-record work does no path arithmetic.
    private var current = (file: "", stem: "", singleStructure: false)

    init(parameters: IngestParameters) { self.parameters = parameters }

    /// Reads a CGCNN `id_prop.csv`: no header; an id, then one or more values.
    ///
    /// Its values become fields
    /// `target` (one column) or `target_1`, `target_2`, … of the crystal whose id or file stem is the id.
    mutating func loadIDProp(_ path: String) throws {
        var csv = CSVReader(ByteReader(try openByteSource(path)))
        while let row = try csv.next() {
            guard let key = row.first, !key.isEmpty else { continue }
            let values = row.dropFirst().map { Double($0.trimmingCharacters(in: .whitespaces)) ?? .nan }
            var fields: [String: Double] = [:]
            for (k, value) in values.enumerated() { fields[values.count == 1 ? "target" : "target_\(k + 1)"] = value }
            idProp[Ingest.stem(key)] = fields
        }
    }

    /// Starts reading `file` in `format`.
    mutating func begin(file: String, format: InputFormat) {
        current = (file, Ingest.stem(file), format == .cif || format == .poscar)
    }

    /// The stem of the file being read.
    var currentStem: String { current.stem }

    /// The id of a record: the `--id-field` value; else `material_id`; else its name; else the CIF block name in
    /// a multi-block file; else the file stem for single-structure files; else `<stem>:<index>`.
    ///
    /// An integer id or name is prefixed with the file stem (`val:1234`): numbers such as CMR ids or table rows
    /// repeat across files, and would collide with each other and with files named `12.cif`.
    func id(for checked: CheckedRecord) -> String {
        precondition(
            checked.raw.file == current.file,
            "IngestState.id: record of \(checked.raw.file) while reading \(current.file)")
        let stem = current.stem
        for field in [parameters.idField, "material_id"].compactMap({ $0 }) {
            switch checked.fields[field] {
            case .string(let text) where !text.isEmpty: return text
            case .number(let value): return "\(stem):" + (value == value.rounded() ? String(Int(value)) : String(value))
            default: continue
            }
        }
        if case .success(let crystal) = checked.crystal, !crystal.id.isEmpty, checked.raw.multiBlock {
            return crystal.id
        }
        if let name = checked.raw.name, !name.isEmpty {
            return Int(name) != nil ? "\(stem):\(name)" : name
        }
        if checked.raw.index == 0 && !checked.raw.multiBlock && current.singleStructure { return stem }
        return "\(stem):\(checked.raw.index)"
    }

    /// The labels to store: `--label` specs, else every numeric table column, each with one value per crystal.
    func labelColumns() -> [(spec: LabelSpec, values: [Double])] {
        let specs: [LabelSpec]
        if parameters.labels.isEmpty {
            specs = labels.tableFields.filter { !labels.textFields.contains($0) }
                .map {
                    LabelSpec(name: Self.snakeCase($0), field: $0, unit: units[$0] ?? "")
                }
        } else {
            specs = parameters.labels.map { spec in
                var spec = spec
                if spec.unit.isEmpty { spec.unit = units[spec.name] ?? units[spec.field] ?? "" }
                return spec
            }
        }
        return specs.map { spec in
            (spec, labels.columns[spec.field] ?? [Double](repeating: .nan, count: labels.rows))
        }
    }

    /// `last phdos peak` → `last_phdos_peak`: a lower_snake dataset name.
    static func snakeCase(_ field: String) -> String {
        let mapped = field.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return String(mapped).split(separator: "_").joined(separator: "_")
    }
}
