import Crystal
import Foundation
import Pipeline
import Store

/// The ingest stage: reads structure files into `crystals.h5`, validating every structure and recording
/// each rejected record with its reason.
///
/// One serial producer (`IngestSource`) cuts the files into records in input order, workers parse and
/// validate them (`RecordParser`), and one consumer assigns ids, collects labels and writes, in input order,
/// so the output does not depend on `--jobs`. With `--unique` the workers also fingerprint each crystal and the
/// consumer drops, in input order, every crystal that matches one it kept (`DuplicateIndex`).
public struct Ingest {
    /// What one run did.
    public struct Summary: Sendable {
        public var crystals = 0
        public var rejects = 0
        /// Crystals dropped as copies of earlier ones (`--unique`); not counted in `rejects`.
        public var duplicates = 0
        public var files = 0
        public var seconds = 0.0
        public var labels: [String] = []
        public var output = ""
    }

    let parameters: IngestParameters
    var context: StageContext
    var options: StageOptions { context.options }
    var directory: RunDirectory { context.directory }
    var progress: ProgressReporter { context.progress }
    /// Where one-line reject messages go (standard error by default).
    var report: (String) -> Void {
        get { context.report }
        set { context.report = newValue }
    }

    public init(parameters: IngestParameters, options: StageOptions, shard: Shard? = nil) throws {
        if shard != nil && parameters.unique {
            throw ShardError.unsupported(
                stage: "ingest", reason: "--unique compares every crystal with every other; run it unsharded")
        }
        self.parameters = parameters
        context = try StageContext(label: "ingest", options: options, shard: shard)
    }

    /// Runs the stage.
    ///
    /// - Returns: counts and timing.
    /// - Throws: `StageError.outputExists` without `--force`; `IngestError` when nothing could be ingested, or
    ///   when too many records were rejected (nothing is written then); `StoreError` when the store cannot be
    ///   written. A shard reads its share of the files (`shardFiles`) and leaves both limits to `xtal stitch`,
    ///   which sees every shard's counts.
    public func run() throws -> Summary {
        let started = Date()
        let outputPath = try context.outputPath("crystals.h5")
        let writer = try CrystalsWriter(path: outputPath, options: options.datasetOptions)
        var state = IngestState(parameters: parameters)
        var files: [String] = []
        var folders: [String: [String]] = [:]
        for input in parameters.inputs {
            do {
                let expanded = try expand(input, state: &state)
                files += expanded
                if expanded != [input] { folders[input] = expanded }
            } catch  where context.shard.map({ $0.index == 0 }) ?? true {
                try reject(input, record: "-", id: "", reason: "\(error)", writer: writer)
            }
        }
        let allFiles = files.count
        let share = context.shard.map { Self.shardFiles(files, shard: $0) } ?? 0..<files.count
        files = Array(files[share])
        let kept = Set(files)
        folders = folders.mapValues { $0.filter(kept.contains) }
        var source = IngestSource(files: files, parameters: parameters)
        let parser = RecordParser(
            rules: parameters.validation, idField: parameters.idField, fingerprints: parameters.unique)
        var names: [String: Int] = [:]
        var wholeFileHashes: [String: String] = [:]
        let parameters = parameters
        try OrderedBatchQueue(jobs: options.jobs).run(
            next: { source.next() },
            transform: { IngestSource.transform($0, parameters: parameters, parser: parser) },
            consume: { (item: IngestItem) in
                if case .wholeFileRead(let items, let hashes) = item {
                    wholeFileHashes.merge(hashes) { first, _ in first }
                    for inner in items { try consume(inner, writer: writer, state: &state, names: &names) }
                } else {
                    try consume(item, writer: writer, state: &state, names: &names)
                }
            })

        let total = writer.count + writer.rejectCount
        if context.shard == nil {
            try Self.checkRejects(
                crystals: writer.count, rejects: writer.rejectCount, limit: parameters.maxRejectFraction)
        }
        let labels = state.labelColumns()
        let provenance = Provenance(
            stage: "ingest", parameterHash: try CanonicalJSON.hash(parameters),
            inputHashes: Self.inputHashes(
                source.hashes.merging(wholeFileHashes) { first, _ in first }, folders: folders),
            toolVersion: XtalVersion.current, startedAt: started)
        try context.stampShard(writer.root, items: share, of: allFiles)
        if context.shard != nil {
            try writer.root.setAttribute("max_reject_fraction", parameters.maxRejectFraction)
        }
        try writer.commit(labels: labels, provenance: provenance)
        try context.publish("crystals", fileName: "crystals.h5")
        var summary = Summary()
        summary.files = files.count
        summary.crystals = writer.count
        summary.rejects = writer.rejectCount
        summary.duplicates = writer.duplicateCount
        summary.labels = labels.map(\.spec.name)
        summary.seconds = Date().timeIntervalSince(started)
        summary.output = outputPath
        let dropped = parameters.unique ? ", \(summary.duplicates) duplicates dropped" : ""
        progress.finish(
            String(
                format: "ingest: %d crystals from %d file%@ (%d rejected%@) in %.1f s (%.0f/s) → %@", summary.crystals,
                summary.files, summary.files == 1 ? "" : "s", summary.rejects, dropped, summary.seconds,
                Double(total + summary.duplicates) / max(summary.seconds, 1e-9), outputPath))
        return summary
    }

    /// Fails when nothing was ingested, or more than `limit` of the records were rejected.
    ///
    /// - Throws: `IngestError.nothingIngested` or `.tooManyRejects`.
    static func checkRejects(crystals: Int, rejects: Int, limit: Double) throws {
        guard crystals > 0 else { throw IngestError.nothingIngested(rejects: rejects) }
        guard Double(rejects) / Double(crystals + rejects) <= limit else {
            throw IngestError.tooManyRejects(rejects: rejects, total: crystals + rejects, limit: limit)
        }
    }

    /// The files shard `shard` reads: a contiguous range of them, balanced by bytes.
    ///
    /// A file goes to the shard its first byte falls in, so the shards stitched in order hold the crystals in
    /// input order. One large file is read by one shard: split it (`split -l` for JSON Lines) to spread it.
    static func shardFiles(_ files: [String], shard: Shard) -> Range<Int> {
        let sizes = files.map { max(IngestSource.fileBytes($0) ?? 1, 1) }
        let total = sizes.reduce(0, +)
        var first = files.count
        var end = files.count
        var offset = 0
        for (k, size) in sizes.enumerated() {
            let owner = min(shard.count - 1, offset * shard.count / max(total, 1))
            if owner >= shard.index && first == files.count { first = k }
            if owner > shard.index {
                end = k
                break
            }
            offset += size
        }
        return first..<max(first, end)
    }

    /// The input hashes of provenance: each file input's SHA-256 under its name, and for each folder input one
    /// SHA-256 of the lines `NAME HASH` of its files read, in name order.
    ///
    /// One entry per folder keeps the provenance attributes small: HDF5 refuses an attribute over 64 KiB, which
    /// a folder of a thousand CIFs listed file by file exceeds.
    static func inputHashes(_ fileHashes: [String: String], folders: [String: [String]]) -> [String: String] {
        var hashes = fileHashes
        for (folder, files) in folders {
            var lines = ""
            for file in files {
                guard let hash = hashes.removeValue(forKey: file) else { continue }
                lines += "\((file as NSString).lastPathComponent) \(hash)\n"
            }
            hashes[folder] = SHA256.hex(lines)
        }
        return hashes
    }

    /// The files an input names: itself, or a folder's structure files sorted by name (with its `id_prop.csv`).
    private func expand(_ input: String, state: inout IngestState) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw IngestError.missingInput(input)
        }
        guard isDirectory.boolValue else { return [input] }
        let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
        if names.contains("id_prop.csv") {
            try state.loadIDProp((input as NSString).appendingPathComponent("id_prop.csv"))
        }
        return names.filter(InputFormat.isStructureFile).map { (input as NSString).appendingPathComponent($0) }
    }

    /// Handles one item of the stream, in input order.
    private func consume(
        _ item: IngestItem, writer: CrystalsWriter, state: inout IngestState, names: inout [String: Int]
    ) throws {
        switch item {
        case .fileStarted(let file, let format, let units):
            state.begin(file: file, format: format)
            state.units.merge(units) { old, _ in old }
            state.labelFilter = units.isEmpty ? nil : Set(units.keys)
            names.removeAll(keepingCapacity: true)
        case .checked(let checked):
            try consume(checked, writer: writer, state: &state, names: &names)
        case .record, .wholeFile, .wholeFileRead:
            preconditionFailure("Ingest.consume: a record or whole file reached the writer unparsed")
        case .fileFailed(let file, let record, let reason):
            try reject(file, record: record, id: "", reason: reason, writer: writer)
        case .fileEnded(let file, let records, let brokeOff, let lateFields):
            if records == 0 && !brokeOff {
                try reject(file, record: "-", id: "", reason: "no structures found (empty file?)", writer: writer)
            }
            for late in lateFields {
                if let row = names[late.name],
                    let number = state.labels.set(
                        late.field, row: row, to: late.value, isDefault: state.labelFilter?.contains(late.field) ?? true
                    )
                {
                    report("xtal-ingest: \(file): record \(late.name): \(late.field) is \(number); stored as missing")
                }
            }
        }
    }

    /// Writes or rejects one parsed record.
    private func consume(
        _ checked: CheckedRecord, writer: CrystalsWriter, state: inout IngestState, names: inout [String: Int]
    ) throws {
        let id = state.id(for: checked)
        let record = checked.raw.name ?? String(checked.raw.index)
        switch checked.crystal {
        case .failure(let error):
            try reject(checked.raw.file, record: record, id: id, reason: error.description, writer: writer)
        case .success(var crystal):
            if let fingerprint = checked.fingerprint, let original = state.duplicates.original(of: fingerprint) {
                try dropDuplicate(checked.raw.file, record: record, id: id, of: original, writer: writer)
                return
            }
            if let first = state.seenIDs[id] {
                let reason = "duplicate id '\(id)' (first seen in \(first.file):\(first.record))"
                try reject(checked.raw.file, record: record, id: id, reason: reason, writer: writer)
                return
            }
            state.seenIDs[id] = (checked.raw.file, record)
            if let fingerprint = checked.fingerprint { state.duplicates.insert(fingerprint, id: id) }
            crystal.id = id
            if let name = checked.raw.name { names[name] = writer.count }
            var fields = checked.fields
            var targetFields: Set<String> = []
            if !state.idProp.isEmpty, let targets = state.idProp[Self.stem(id)] ?? state.idProp[state.currentStem] {
                for (field, value) in targets { fields[field] = .number(value) }
                targetFields = Set(targets.keys)
            }
            // Default labels: a table's numeric columns (for a file listed in a data manifest, only its labels)
            // and id_prop.csv targets.
            let fromTable = checked.raw.fromTable
            let filter = state.labelFilter
            let infinite = state.labels.addRow(fields) { field in
                (fromTable && (filter?.contains(field) ?? true)) || targetFields.contains(field)
            }
            for (field, number) in infinite {
                report(
                    "xtal-ingest: \(checked.raw.file): record \(record) (\(id)): \(field) is \(number); stored as missing"
                )
            }
            try writer.append(
                crystal, formula: checked.formula, sourceFile: checked.raw.file, sourceRecord: checked.raw.index)
            progress.advance()
        }
    }

    private func reject(_ file: String, record: String, id: String, reason: String, writer: CrystalsWriter) throws {
        try writer.reject(sourceFile: file, record: record, id: id, reason: reason)
        if writer.rejectCount <= 20 {
            // `record` is a position or name, `-` for a whole file, or `from record K` where a file broke off.
            let place = record == "-" ? "" : record.hasPrefix("from ") ? ": \(record)" : ": record \(record)"
            report("xtal-ingest: \(file)\(place)\(id.isEmpty ? "" : " (\(id))"): \(reason)")
        } else if writer.rejectCount == 21 {
            report("xtal-ingest: more rejects follow; all are listed in crystals.h5 /rejects")
        }
    }

    /// Records a crystal left out as a copy of `original`, kept earlier; reports the first 20 unless `--quiet`
    /// (they are not errors).
    private func dropDuplicate(
        _ file: String, record: String, id: String, of original: String, writer: CrystalsWriter
    ) throws {
        try writer.reject(
            sourceFile: file, record: record, id: id, reason: "duplicate of \(original)", kind: .duplicate)
        if options.quiet { return }
        if writer.duplicateCount <= 20 {
            report("xtal-ingest: \(file): record \(record): \(id): duplicate of \(original) (dropped)")
        } else if writer.duplicateCount == 21 {
            report("xtal-ingest: more duplicates follow; all are listed in crystals.h5 /rejects (kind duplicate)")
        }
    }

    /// A file name without folders and without compression and format extensions.
    static func stem(_ path: String) -> String {
        let name = String(InputFormat.lastComponent(InputCompression.strippedName(path)))
        let ext = InputFormat.pathExtension(name)
        guard !ext.isEmpty && InputFormat.isStructureFile(name) else { return name }
        return String(name.dropLast(ext.count + 1))
    }
}
