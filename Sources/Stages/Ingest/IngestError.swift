/// Why ingest stopped, or why it set a whole file aside; one line each.
public enum IngestError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingInput(String)
    case unknownFormat(String)
    case undetectableFormat(String)
    case nothingIngested(rejects: Int)
    case tooManyRejects(rejects: Int, total: Int, limit: Double)

    public var description: String {
        switch self {
        case .missingInput(let path):
            return "\(path): no such file or folder"
        case .unknownFormat(let name):
            return
                "unknown --format '\(name)' (use auto, \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .undetectableFormat(let path):
            return "\(path): cannot tell the format from the name or content; give --format"
        case .nothingIngested(let rejects):
            return "no crystals ingested (\(rejects) rejected)"
        case .tooManyRejects(let rejects, let total, let limit):
            return "\(rejects) of \(total) records rejected, more than --max-reject-fraction \(limit); nothing written"
        }
    }
}
