import Foundation

/// `pipeline.lock.json` in the run directory: for each step that completed, the hashes that decide whether it
/// is up to date (docs/pipeline-file.md §Lock file).
///
/// It holds no times, so the same files give the same lock, byte for byte: keys sorted, two-space indent.
public struct PipelineLock: Codable, Equatable, Sendable {
    /// What the last successful run of one step read, wrote and was.
    public struct Entry: Codable, Equatable, Sendable {
        /// The stage it ran (`graph`).
        public var stage: String
        /// `PipelineStep.parameterHash`.
        public var parameters: String
        /// The stage executable's version and content hash: `xtal-graph 0.1.0 sha256:…`.
        public var tool: String
        /// The command it ran, as logged.
        public var command: [String]
        /// SHA-256 of each input file (or folder) it read.
        public var inputs: [String: String]
        /// SHA-256 of each output it wrote.
        public var outputs: [String: String]

        public init(
            stage: String, parameters: String, tool: String, command: [String], inputs: [String: String],
            outputs: [String: String]
        ) {
            self.stage = stage
            self.parameters = parameters
            self.tool = tool
            self.command = command
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    /// The lock format's version.
    public var version = 1
    /// The pipeline file that wrote it (so `xtal status RUN_DIR` can find it).
    public var pipeline: String
    /// Entries by step name.
    public var steps: [String: Entry]

    public init(pipeline: String, steps: [String: Entry] = [:]) {
        self.pipeline = pipeline
        self.steps = steps
    }

    /// The lock's file name inside a run directory.
    public static let fileName = "pipeline.lock.json"

    /// Reads the lock at `path`; `nil` when there is none.
    ///
    /// - Throws: `PipelineError.io` for a lock that cannot be read or parsed (delete it to rerun everything).
    public static func read(_ path: String) throws -> PipelineLock? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            let lock = try JSONDecoder().decode(PipelineLock.self, from: data)
            guard lock.version == 1 else {
                throw PipelineError.io(path: path, message: "lock version \(lock.version) is not supported")
            }
            return lock
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.io(
                path: path, message: "not a valid lock file (\(error)); delete it to rerun every step")
        }
    }

    /// The lock as text: sorted keys, two-space indent, a final newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Writes the lock to `path` atomically (a temporary file renamed over it).
    ///
    /// - Throws: `PipelineError.io` when it cannot be written.
    public func write(_ path: String) throws {
        do {
            try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PipelineError.io(path: path, message: "cannot write the lock file: \(error.localizedDescription)")
        }
    }
}
