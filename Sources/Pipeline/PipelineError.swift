/// Errors of the pipeline layer; each `description` is one line naming the file or stage.
public enum PipelineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be read or written.
    case io(path: String, message: String)
    /// A data file does not match its checksum in `data-manifest.json`.
    case checksumMismatch(path: String, expected: String, found: String)
    /// A configuration value is invalid.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .io(let path, let message):
            return "\(path): \(message)"
        case .checksumMismatch(let path, let expected, let found):
            return
                "\(path): sha256 \(found) does not match data-manifest.json (\(expected)); the file is damaged or was changed"
        case .invalidConfiguration(let message):
            return message
        }
    }
}
