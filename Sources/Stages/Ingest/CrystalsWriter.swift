import Crystal
import Store

/// Writes `crystals.h5` (encoding `crystals`, version 1; see docs/store-format.md §5) one crystal at a time,
/// with memory bounded by a few chunks per dataset (`DatasetAppender`) plus one number per crystal and label.
final class CrystalsWriter {
    /// The encoding written.
    static let encoding = (type: "crystals", version: "1")

    private let output: AtomicStoreFile
    /// The file's root group.
    let root: StoreGroup
    private let options: DatasetOptions
    private let ids: StringAppender
    private let formulas: StringAppender
    private let sourceFiles: StringAppender
    private let sourceRecords: DatasetAppender<Int64>
    private let lattices: DatasetAppender<Double>
    private let numbers: RaggedAppender<UInt8>
    private let coordinates: DatasetAppender<Double>
    private var rejects:
        (
            file: StringAppender, record: StringAppender, id: StringAppender, reason: StringAppender,
            kind: StringAppender
        )
    /// Crystals written.
    private(set) var count = 0
    /// Rejects of kind `error` written.
    private(set) var rejectCount = 0
    /// Rejects of kind `duplicate` written.
    private(set) var duplicateCount = 0

    /// Why a record was left out, stored as the `rejects/kind` strings.
    ///
    /// `error`: it could not be used; `duplicate`: it is a copy of a crystal kept earlier (`--unique`), which is
    /// no error.
    enum RejectKind: String {
        case error
        case duplicate
    }

    /// Starts `path` (through `path.partial`).
    init(path: String, options: DatasetOptions) throws {
        output = try AtomicStoreFile(creating: path)
        self.options = options
        root = try output.file.root
        try root.setEncoding(Self.encoding.type, version: Self.encoding.version)
        ids = try StringAppender(root, "graph_id", options: options)
        formulas = try StringAppender(root, "graph_formula", options: options)
        sourceFiles = try StringAppender(root, "graph_source_file", options: options)
        sourceRecords = DatasetAppender(root, "graph_source_record", options: options)
        lattices = DatasetAppender(root, "graph_lattice", rowShape: [3, 3], options: options)
        numbers = try RaggedAppender(root, "node_atomic_number", ptrName: "node_ptr", options: options)
        coordinates = DatasetAppender(root, "node_frac_coords", rowShape: [3], options: options)
        let group = try root.createGroup("rejects")
        try group.setEncoding("rejects", version: "2")
        rejects = (
            try StringAppender(group, "source_file", options: options),
            try StringAppender(group, "record", options: options),
            try StringAppender(group, "id", options: options), try StringAppender(group, "reason", options: options),
            try StringAppender(group, "kind", options: options)
        )
    }

    /// Crystals gathered since the last flush: appending them in blocks keeps the per-crystal cost to a few
    /// array appends here, instead of calls into generic store appenders for every crystal.
    private var pending = Pending()
    private struct Pending {
        var records: [Int64] = []
        var lattices: [Double] = []
        var numbers: [UInt8] = []
        var atomCounts: [Int] = []
        var coordinates: [Double] = []
    }

    /// Appends one accepted crystal with its reduced formula.
    func append(_ crystal: Crystal, formula: String, sourceFile: String, sourceRecord: Int) throws {
        try ids.append(crystal.id)
        try formulas.append(formula)
        try sourceFiles.append(sourceFile)
        pending.records.append(Int64(sourceRecord))
        pending.lattices += crystal.lattice.rowMajor
        pending.atomCounts.append(crystal.sites.count)
        for site in crystal.sites {
            pending.numbers.append(UInt8(site.element.atomicNumber))
            pending.coordinates.append(site.fracCoords.x)
            pending.coordinates.append(site.fracCoords.y)
            pending.coordinates.append(site.fracCoords.z)
        }
        count += 1
        if pending.records.count == 1024 { try flush() }
    }

    private func flush() throws {
        try sourceRecords.append(contentsOf: pending.records)
        try lattices.append(contentsOf: pending.lattices)
        try numbers.append(items: pending.numbers, rowCounts: pending.atomCounts)
        try coordinates.append(contentsOf: pending.coordinates)
        pending = Pending()
    }

    /// Records a record left out: where it came from, its id if known, why, and whether that is an error.
    func reject(sourceFile: String, record: String, id: String, reason: String, kind: RejectKind = .error) throws {
        try rejects.file.append(sourceFile)
        try rejects.record.append(record)
        try rejects.id.append(id)
        try rejects.reason.append(reason)
        try rejects.kind.append(kind.rawValue)
        switch kind {
        case .error: rejectCount += 1
        case .duplicate: duplicateCount += 1
        }
    }

    /// Writes the labels (one value per crystal, NaN where missing), stamps provenance and publishes the file.
    func commit(labels: [(spec: LabelSpec, values: [Double])], provenance: Provenance) throws {
        try flush()
        for appender in [ids, formulas, sourceFiles] { try appender.finish() }
        try sourceRecords.finish()
        try lattices.finish().setAttribute("units", "angstrom")
        try numbers.finish()
        try coordinates.finish().setAttribute("units", "1")
        for appender in [rejects.file, rejects.record, rejects.id, rejects.reason, rejects.kind] {
            try appender.finish()
        }
        let group = try root.createGroup("labels")
        try group.setEncoding("labels", version: "1")
        for (spec, values) in labels {
            precondition(
                values.count == count,
                "CrystalsWriter.commit: label \(spec.name) has \(values.count) values for \(count) crystals")
            let dataset = try group.write(spec.name, values, options: options)
            try dataset.setAttribute("units", spec.unit)
            try dataset.setAttribute("source_field", spec.field)
        }
        try output.commit(provenance)
    }
}
