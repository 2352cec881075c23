/// One step of a pipeline file: a named run of a stage with its parameters.
public struct PipelineStep: Sendable {
    /// One key of the step and its value, as written.
    public struct Setting: Sendable, Equatable {
        public let key: String
        public let value: ParameterValue
    }

    /// The step's name in the pipeline file (`graph`, `train-gap`): unique, the key in the lock file.
    public let name: String
    /// The stage it runs.
    public let schema: StageSchema
    /// Where the step starts in the pipeline file.
    public let line: Int
    /// Its parameters in file order.
    public let settings: [Setting]

    public init(name: String, schema: StageSchema, line: Int, settings: [Setting]) {
        self.name = name
        self.schema = schema
        self.line = line
        self.settings = settings
    }

    /// The parameters by key.
    public var parameters: [String: ParameterValue] {
        Dictionary(settings.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// The files the step reads and writes in `runDirectory`.
    public func files(runDirectory: String) -> StageSchema.Files { schema.files(parameters, runDirectory) }

    /// How many processes the step runs as (`shards:` or `ranks:`, 1 when absent).
    public var processes: Int {
        schema.multiProcess.key.flatMap { parameters[$0]?.strings.first }.flatMap { Int($0) } ?? 1
    }

    /// SHA-256 of the canonical JSON of the stage, its schema version and its parameters (sorted keys).
    ///
    /// Reordering keys in the file does not rerun the step. `jobs`, `quiet` and `shards` are left out: results
    /// do not depend on them (`ranks` counts: without `parts`, the rank count is the number of parts).
    public var parameterHash: String {
        struct Canonical: Encodable {
            let stage: String
            let version: Int
            let parameters: [String: ParameterValue]
        }
        let parameters = self.parameters.filter { !["jobs", "quiet", "shards"].contains($0.key) }
        return (try? CanonicalJSON.hash(Canonical(stage: schema.kind, version: schema.version, parameters: parameters)))
            ?? ""
    }

    /// The flags of `xtal-<kind>` for this step: `--store RUN_DIR`, each setting in file order, `--jobs` from
    /// the pipeline when the step sets none, `--force` when asked, then positional arguments.
    public func arguments(runDirectory: String, jobs: Int?, force: Bool) -> [String] {
        var flags = ["--store", runDirectory]
        var positional: [String] = []
        for setting in settings where !StageSchema.processKeys.contains(setting.key) {
            let kind = schema.parameter(setting.key)?.kind ?? .string
            switch (kind, setting.value) {
            case (.flag, .flag(let on)):
                if on { flags.append("--\(setting.key)") }
            case (.positional, let value):
                positional += value.strings
            case (.commaList, let value):
                flags += ["--\(setting.key)", value.strings.joined(separator: ",")]
            case (_, let value):
                for text in value.strings { flags += ["--\(setting.key)", text] }
            }
        }
        if let jobs, parameters["jobs"] == nil { flags += ["--jobs", String(jobs)] }
        if force { flags.append("--force") }
        return flags + positional
    }
}
