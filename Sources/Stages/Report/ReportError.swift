/// Why the report could not be written.
public enum ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The page could not be written or renamed into place.
    case write(path: String, reason: String)

    public var description: String {
        switch self {
        case .write(let path, let reason): "\(path): cannot write the report: \(reason)"
        }
    }
}
