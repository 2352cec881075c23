import Crystal
import Foundation
import Pipeline

/// One step of ingest's stream, in input order: a file starting or ending, a record, or a whole-file failure.
enum IngestItem: Sendable {
    /// A file begins; `units` are label units from its data manifest entry, if it has one.
    case fileStarted(file: String, format: InputFormat, units: [String: String])
    /// A record to parse (before the worker) …
    case record(RawRecord)
    /// … and after it.
    case checked(CheckedRecord)
    /// The file, or the rest of it from `record` on, cannot be read.
    case fileFailed(file: String, record: String, reason: String)
    /// A file is done: how many records it gave, and fields that came after its structures.
    case fileEnded(file: String, records: Int, brokeOff: Bool, lateFields: [LateField])

    /// A field for an earlier record of the same file, by record name.
    struct LateField: Sendable {
        var name: String
        var field: String
        var value: FieldValue
    }
}

/// The serial producer of ingest: walks the input files in order and cuts each into records, so that one work
/// queue spans all files (a folder of small CIFs is parsed in parallel too).
struct IngestSource {
    private let parameters: IngestParameters
    private var files: [String]
    private var position = 0
    private var reader: FileRecordReader?
    private var recordsInFile = 0
    /// The end of a file that broke off, returned after its failure.
    private var pendingEnd: IngestItem?
    private var manifests = DataManifestIndex()
    /// SHA-256 of every file opened, for provenance.
    private(set) var hashes: [String: String] = [:]

    init(files: [String], parameters: IngestParameters) {
        self.files = files
        self.parameters = parameters
    }

    /// The next item, or `nil` when every file is done.
    mutating func next() -> IngestItem? {
        if var current = reader {
            do {
                if let raw = try current.next() {
                    reader = current
                    recordsInFile += 1
                    return .record(raw)
                }
                reader = nil
                return ended(current, brokeOff: false)
            } catch {
                reader = nil
                pendingEnd = ended(current, brokeOff: true)
                return .fileFailed(file: current.file, record: "from record \(recordsInFile)", reason: "\(error)")
            }
        }
        if let end = pendingEnd {
            pendingEnd = nil
            return end
        }
        guard position < files.count else { return nil }
        let file = files[position]
        position += 1
        recordsInFile = 0
        do {
            let hash = try SHA256.hex(fileAt: file)
            hashes[file] = hash
            let units = try manifests.verify(file, sha256: hash) ?? [:]
            let format = try IngestSource.format(of: file, forced: parameters.format)
            reader = try FileRecordReader(file: file, format: format, parameters: parameters)
            return .fileStarted(file: file, format: format, units: units)
        } catch {
            return .fileFailed(file: file, record: "-", reason: "\(error)")
        }
    }

    private func ended(_ reader: FileRecordReader, brokeOff: Bool) -> IngestItem {
        let late = reader.lateFields.map { IngestItem.LateField(name: $0.name, field: $0.field, value: $0.value) }
        return .fileEnded(file: reader.file, records: recordsInFile, brokeOff: brokeOff, lateFields: late)
    }

    /// The format of `file`: `forced` unless `auto`, else detected from its name and first bytes.
    static func format(of file: String, forced: String) throws -> InputFormat {
        if forced != "auto" {
            guard let format = InputFormat(rawValue: forced) else { throw IngestError.unknownFormat(forced) }
            return format
        }
        if let format = InputFormat.detect(path: file, head: []) { return format }
        var reader = ByteReader(try openByteSource(file))
        guard let format = InputFormat.detect(path: file, head: try reader.readBytes(4096)) else {
            throw IngestError.undetectableFormat(file)
        }
        return format
    }
}
