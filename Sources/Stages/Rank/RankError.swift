/// Why ranking could not be done as asked; one line each.
///
/// The parse cases (`badFilter`, `badRisk`, `badExport`) are usage errors, reported by `RankCommand.validate`
/// before anything is read; the others need the store and end the stage with exit code 1.
public enum RankError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A `--where` expression that is not `PROP OP NUMBER` or `elements includes|excludes A,B`.
    case badFilter(String, reason: String)
    /// A `--risk` other than `lcb:K`.
    case badRisk(String)
    /// An `--export` that is neither `FILE.csv`, `FILE.json` nor a directory.
    case badExport(String)
    /// A property name the store has no column for (`predictionsMissing`: the run directory has no
    /// `predictions.h5`).
    case unknownProperty(String, available: [String], predictionsMissing: Bool)
    /// A bare target name that several models predict.
    case ambiguousProperty(String, candidates: [String])
    /// `spacegroup` was used but `graphs.h5` is missing or was built without space groups.
    case noSpaceGroups(String)
    /// An export file or directory could not be written.
    case exportFailed(String, reason: String)

    public var description: String {
        switch self {
        case .badFilter(let text, let reason):
            "--where '\(text)': \(reason); write PROP OP NUMBER (OP one of <, <=, >, >=, ==, !=) or "
                + "'elements includes|excludes A,B'"
        case .badRisk(let text): "--risk '\(text)': write lcb:K with K a number ≥ 0 (score = mean ∓ K·std)"
        case .badExport(let text): "--export '\(text)': write FILE.csv, FILE.json or DIR/ (one CIF per crystal)"
        case .unknownProperty(let name, let available, let predictionsMissing):
            "unknown property '\(name)'; available: \(available.joined(separator: ", "))"
                + (predictionsMissing ? " (no predictions.h5 in the run directory: run xtal predict first)" : "")
        case .ambiguousProperty(let name, let candidates):
            "property '\(name)' is predicted by several models; name one of \(candidates.joined(separator: ", "))"
        case .noSpaceGroups(let path):
            "spacegroup: \(path) holds no space groups; run xtal graph --spacegroup first"
        case .exportFailed(let path, let reason): "\(path): \(reason)"
        }
    }
}
