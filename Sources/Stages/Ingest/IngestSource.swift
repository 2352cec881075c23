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
    /// A small file for a worker to read, hash and parse whole (before the worker) …
    case wholeFile(file: String, manifests: DataManifestIndex)
    /// … and after it: the items the reader would have given for it, records checked, and its SHA-256.
    case wholeFileRead(items: [IngestItem], hashes: [String: String])

    /// A field for an earlier record of the same file, by record name.
    struct LateField: Sendable {
        var name: String
        var field: String
        var value: FieldValue
    }
}

/// The serial producer of ingest: walks the input files in order and cuts each into records, so that one work
/// queue spans all files (a folder of small CIFs is parsed in parallel too).
///
/// Files of at most `wholeFileBytes` on disk, among several, are not opened here but handed to a worker whole
/// (`wholeFile`): the worker runs a source of its own over that one file (`transform`), so hashing, opening and
/// cutting a folder of thousands of small CIFs is spread over the workers instead of this one thread (it was
/// the bottleneck on two cores). The items, and so the store, are the same either way.
struct IngestSource {
    private let parameters: IngestParameters
    private var files: [String]
    private var position = 0
    private var reader: FileRecordReader?
    private var recordsInFile = 0
    /// The end of a file that broke off, returned after its failure.
    private var pendingEnd: IngestItem?
    private var manifests: DataManifestIndex
    /// Whether small files go to workers whole.
    private let wholeFiles: Bool
    /// SHA-256 of every file opened, for provenance.
    private(set) var hashes: [String: String] = [:]

    /// Files up to this size (on disk, compressed or not) are read whole by a worker: a few CIFs or POSCARs,
    /// so a batch of them stays small in memory.
    static let wholeFileBytes = 64 << 10

    init(
        files: [String], parameters: IngestParameters, manifests: DataManifestIndex = DataManifestIndex(),
        wholeFiles: Bool = true
    ) {
        self.files = files
        self.parameters = parameters
        self.manifests = manifests
        self.wholeFiles = wholeFiles && files.count > 1
    }

    /// What a worker makes of an item: a record parsed and checked by `parser`; a small file (`wholeFile`) read
    /// by a source of its own, its items transformed the same way; anything else unchanged.
    static func transform(_ item: IngestItem, parameters: IngestParameters, parser: RecordParser) -> IngestItem {
        switch item {
        case .record(let raw):
            return .checked(parser.check(raw))
        case .wholeFile(let file, let manifests):
            var source = IngestSource(files: [file], parameters: parameters, manifests: manifests, wholeFiles: false)
            var items: [IngestItem] = []
            while let inner = source.next() { items.append(transform(inner, parameters: parameters, parser: parser)) }
            return .wholeFileRead(items: items, hashes: source.hashes)
        default:
            return item
        }
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
        if wholeFiles, Self.fileBytes(file).map({ $0 <= Self.wholeFileBytes }) ?? false {
            // Find the manifest here, where the per-folder cache lives; the worker's copy then has it.
            _ = try? manifests.entry(for: file)
            return .wholeFile(file: file, manifests: manifests)
        }
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

    /// The size of regular file `file` on disk, or nil if it is not one or cannot be read (ingest then opens
    /// it on the reader thread, which reports why).
    static func fileBytes(_ file: String) -> Int? {
        var info = stat()
        return stat(file, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
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
