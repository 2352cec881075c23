/// A mistake in a pipeline file, at a line: one line of text, `FILE:LINE: message`.
public struct PipelineFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    /// 1-based; 0 when the mistake is not at one place (a cycle, a missing key).
    public let line: Int
    public let message: String

    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
