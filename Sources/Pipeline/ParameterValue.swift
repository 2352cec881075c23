/// One parameter of a pipeline step, already checked against its stage's schema.
public enum ParameterValue: Equatable, Codable, Sendable {
    /// A string, an integer or a number, in canonical text (`8`, `0.001`, `radius`).
    case scalar(String)
    /// An on/off flag.
    case flag(Bool)
    /// A list (repeated options, comma lists, positional inputs).
    case list([String])

    /// The values as a list: a scalar is a list of one, a flag none.
    public var strings: [String] {
        switch self {
        case .scalar(let text): [text]
        case .flag: []
        case .list(let values): values
        }
    }
}
