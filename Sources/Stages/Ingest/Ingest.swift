import Crystal
import Foundation
import Pipeline
import Store

/// The ingest stage: reads structure files into `crystals.h5`, validating every structure and recording
/// each rejected record with its reason.
public struct Ingest {
    /// What one run did.
    public struct Summary: Sendable {
        public var crystals = 0
        public var rejects = 0
        public var files = 0
        public var seconds = 0.0
        public var labels: [String] = []
        public var output = ""
    }

    let parameters: IngestParameters
    let options: StageOptions
    let directory: RunDirectory
    let progress: ProgressReporter
    /// Where one-line reject messages go (standard error by default).
    var report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(parameters: IngestParameters, options: StageOptions) throws {
        self.parameters = parameters
        self.options = options
        directory = try RunDirectory(options.store)
        progress = ProgressReporter(label: "ingest", total: nil, quiet: options.quiet)
    }

    /// Runs the stage.
    ///
    /// - Throws: `IngestError` when the output exists without `--force`, when nothing could be ingested, or when
    ///   too many records were rejected; `StoreError` when the store cannot be written.
    public func run() throws -> Summary {
        let started = Date()
        let outputPath = directory.file("crystals.h5")
        if FileManager.default.fileExists(atPath: outputPath) && !options.force {
            throw IngestError.outputExists(outputPath)
        }
        try AtomicStoreFile.removeStalePartials(in: directory.path)
        let writer = try CrystalsWriter(path: outputPath, options: options.datasetOptions)
        var state = IngestState(parameters: parameters)
        var summary = Summary()
        var inputHashes: [String: String] = [:]
        for input in parameters.inputs {
            let files: [String]
            do {
                files = try expand(input, state: &state)
            } catch {
                try rejectFile(input, record: "-", reason: "\(error)", writer: writer)
                continue
            }
            for file in files {
                summary.files += 1
                inputHashes[file] = try? SHA256.hex(fileAt: file)
                try ingest(file: file, writer: writer, state: &state)
            }
        }
        let total = writer.count + writer.rejectCount
        guard writer.count > 0 else { throw IngestError.nothingIngested(rejects: writer.rejectCount) }
        let fraction = Double(writer.rejectCount) / Double(max(total, 1))
        guard fraction <= parameters.maxRejectFraction else {
            throw IngestError.tooManyRejects(
                rejects: writer.rejectCount, total: total, limit: parameters.maxRejectFraction)
        }
        let labels = state.labelColumns()
        let provenance = Provenance(
            stage: "ingest", parameterHash: try CanonicalJSON.hash(parameters), inputHashes: inputHashes,
            toolVersion: XtalVersion.current, startedAt: started)
        try writer.commit(labels: labels, provenance: provenance)
        try directory.link("crystals", to: "crystals.h5", toolVersion: XtalVersion.current)
        summary.crystals = writer.count
        summary.rejects = writer.rejectCount
        summary.labels = labels.map(\.spec.name)
        summary.seconds = Date().timeIntervalSince(started)
        summary.output = outputPath
        progress.finish(
            String(
                format: "ingest: %d crystals from %d file%@ (%d rejected) in %.1f s (%.0f/s) → %@", summary.crystals,
                summary.files, summary.files == 1 ? "" : "s", summary.rejects, summary.seconds,
                Double(summary.crystals + summary.rejects) / max(summary.seconds, 1e-9), outputPath))
        return summary
    }

    /// The files an input names: itself, or a folder's structure files sorted by name (with its `id_prop.csv`).
    private func expand(_ input: String, state: inout IngestState) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw IngestError.missingInput(input)
        }
        guard isDirectory.boolValue else { return [input] }
        let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
        let idProp = (input as NSString).appendingPathComponent("id_prop.csv")
        if names.contains("id_prop.csv") { try state.loadIDProp(idProp) }
        return names.filter(InputFormat.isStructureFile).map { (input as NSString).appendingPathComponent($0) }
    }

    private func ingest(file: String, writer: CrystalsWriter, state: inout IngestState) throws {
        do {
            if let units = try DataManifest.verify(file) { state.units.merge(units) { old, _ in old } }
            let format = try state.format(of: file)
            var reader = try FileRecordReader(file: file, format: format, parameters: parameters)
            let parser = RecordParser(rules: parameters.validation, idField: parameters.idField)
            let queue = OrderedBatchQueue(jobs: options.jobs)
            var names: [String: Int] = [:]
            var brokeOff = false
            do {
                try queue.run(
                    next: { try reader.next() }, transform: parser.check,
                    consume: { checked in
                        try consume(checked, fromTable: reader.isTable, writer: writer, state: &state, names: &names)
                    })
            } catch let error as CrystalError {
                brokeOff = true
                try rejectFile(
                    file, record: "from record \(state.recordsRead(file))", reason: error.description, writer: writer)
            }
            if state.recordsRead(file) == 0 && !brokeOff {
                try rejectFile(
                    file, record: "-", reason: "no structures found (empty or not \(format.rawValue))", writer: writer)
            }
            for (name, field, value) in reader.lateFields {
                if let row = names[name] { state.labels.set(field, row: row, to: value, fromTable: true) }
            }
        } catch let error as IngestError {
            try rejectFile(file, record: "-", reason: error.description, writer: writer)
        } catch let error as PipelineError {
            try rejectFile(file, record: "-", reason: error.description, writer: writer)
        } catch let error as CrystalError {
            try rejectFile(file, record: "-", reason: error.description, writer: writer)
        }
    }

    private func consume(
        _ checked: CheckedRecord, fromTable: Bool, writer: CrystalsWriter, state: inout IngestState,
        names: inout [String: Int]
    ) throws {
        state.countRecord(checked.raw.file)
        let id = state.id(for: checked)
        let record = checked.raw.name ?? String(checked.raw.index)
        switch checked.crystal {
        case .failure(let error):
            try reject(checked.raw.file, record: record, id: id, reason: error.description, writer: writer)
        case .success(var crystal):
            if let first = state.seenIDs[id] {
                try reject(
                    checked.raw.file, record: record, id: id, reason: "duplicate id '\(id)' (first seen in \(first))",
                    writer: writer)
                return
            }
            state.seenIDs[id] = "\(checked.raw.file):\(record)"
            crystal.id = id
            if let name = checked.raw.name { names[name] = writer.count }
            var fields = checked.fields
            if let targets = state.idProp[Self.stem(id)] ?? state.idProp[Self.stem(checked.raw.file)] {
                for (field, value) in targets { fields[field] = .number(value) }
            }
            state.labels.addRow(fields, fromTable: fromTable || !state.idProp.isEmpty)
            try writer.append(crystal, sourceFile: checked.raw.file, sourceRecord: checked.raw.index)
            progress.advance()
        }
    }

    private func reject(_ file: String, record: String, id: String, reason: String, writer: CrystalsWriter) throws {
        try writer.reject(sourceFile: file, record: record, id: id, reason: reason)
        if writer.rejectCount <= 20 {
            report("xtal-ingest: \(file): record \(record)\(id.isEmpty ? "" : " (\(id))"): \(reason)")
        } else if writer.rejectCount == 21 {
            report("xtal-ingest: more rejects follow; all are listed in crystals.h5 /rejects")
        }
    }

    private func rejectFile(_ file: String, record: String, reason: String, writer: CrystalsWriter) throws {
        try reject(file, record: record, id: "", reason: reason, writer: writer)
    }

    /// A file name without folders and without compression and format extensions.
    static func stem(_ path: String) -> String {
        var name = (InputCompression.strippedName(path) as NSString).lastPathComponent
        let ext = (name as NSString).pathExtension
        if !ext.isEmpty && InputFormat.isStructureFile(name) { name = (name as NSString).deletingPathExtension }
        return name
    }
}
