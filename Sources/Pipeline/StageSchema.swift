/// What a stage kind accepts in a pipeline file and which files it reads and writes.
///
/// A pipeline step's keys are the stage executable's long flags without `--` (`max-neighbors: 12` is
/// `--max-neighbors 12`), so a pipeline file and a command typed by hand say the same thing. The schema is the
/// stage's versioned parameter struct: `version` changes when a key changes meaning, which reruns the stage.
public struct StageSchema: Sendable {
    /// How a key's value is checked and turned into flags.
    public enum Kind: Sendable, Equatable {
        /// Any scalar: `--key VALUE`.
        case string
        /// A whole number: `--key 12`.
        case integer
        /// A number: `--key 0.001`.
        case number
        /// `true` gives `--key`; `false` nothing.
        case flag
        /// A scalar or a list; each value gives `--key VALUE` (repeatable options such as `--model`).
        case repeated
        /// A scalar or a list; the values joined with commas give one `--key a,b,c`.
        case commaList
        /// A scalar or a list of positional arguments, placed after the flags (`ingest`'s inputs).
        case positional
    }

    /// One accepted key.
    public struct Parameter: Sendable {
        public let key: String
        public let kind: Kind

        public init(_ key: String, _ kind: Kind) {
            self.key = key
            self.kind = kind
        }
    }

    /// A file a step reads.
    public struct Input: Sendable, Equatable {
        public let path: String
        /// An optional input is used when some step makes it or it exists; otherwise it is ignored.
        public let optional: Bool

        public init(_ path: String, optional: Bool = false) {
            self.path = path
            self.optional = optional
        }
    }

    /// The files of one step: paths as the stage sees them (inside the run directory or as written).
    public struct Files: Sendable, Equatable {
        public var inputs: [Input]
        public var outputs: [String]

        public init(inputs: [Input], outputs: [String]) {
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    /// The stage name: the step runs the executable `xtal-<kind>`.
    public let kind: String
    /// The version of this parameter set; part of the parameter hash.
    public let version: Int
    /// Accepted keys, beyond the ones every stage takes (`jobs`, `compression`, `quiet`).
    public let parameters: [Parameter]
    /// The files a step reads and writes, from its parameters and the run directory.
    public let files: @Sendable (_ parameters: [String: ParameterValue], _ runDirectory: String) -> Files
    /// How a step of the stage may run as several processes.
    public enum MultiProcess: Sendable, Equatable {
        case none
        /// `shards: N`: N processes each do a share of the work (`--shard`), stitched into the first output; the
        /// result does not depend on N.
        case shards
        /// `ranks: N`: N MPI ranks train one model (data-parallel, the trait `MPI`); with no `parts` set, the
        /// result depends on N.
        case ranks

        /// The step key saying how many processes, nil for `none`.
        public var key: String? {
            switch self {
            case .none: nil
            case .shards: "shards"
            case .ranks: "ranks"
            }
        }
    }

    /// Whether and how a step may run as several processes.
    public let multiProcess: MultiProcess

    public init(
        kind: String, version: Int, multiProcess: MultiProcess = .none, parameters: [Parameter],
        files: @escaping @Sendable (_ parameters: [String: ParameterValue], _ runDirectory: String) -> Files
    ) {
        self.kind = kind
        self.version = version
        self.parameters = parameters
        self.multiProcess = multiProcess
        self.files = files
    }

    /// Keys every stage executable takes (DESIGN.md §3); `store` and `force` are the runner's.
    public static let common = [
        Parameter("jobs", .integer), Parameter("compression", .string), Parameter("quiet", .flag),
    ]

    /// The runner's keys (not flags of the stage): how many processes a step runs as.
    public static let processKeys = ["shards", "ranks"]

    /// This stage's process-count key (`shards` or `ranks`), if it has one.
    public var processCount: Parameter? { multiProcess.key.map { Parameter($0, .integer) } }

    /// The parameter called `key`, among this stage's, the common ones and its process-count key.
    public func parameter(_ key: String) -> Parameter? {
        (parameters + Self.common + [processCount].compactMap { $0 }).first { $0.key == key }
    }
}
