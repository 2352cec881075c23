/// Why training could not start or go on; one line each.
enum TrainError: Error, CustomStringConvertible, Equatable {
    /// A `--targets`/`--classify` name the store has no label for.
    case unknownTarget(String, available: [String])
    /// A classification label that is neither 0 nor 1 (and no threshold was given).
    case notBinary(target: String, value: Double, crystal: String)
    /// Too few labelled crystals for the split.
    case tooFewCrystals(String)
    /// A MatBench split problem.
    case matbench(String)
    /// `--resume` with other parameters than the interrupted run.
    case resumeMismatch(String)
    /// A NaN or infinite loss or gradient (diverged training), on a batch of these crystals (ids).
    case diverged(member: Int, epoch: Int, what: String, crystals: [String])

    var description: String {
        switch self {
        case .unknownTarget(let name, let available):
            "no label '\(name)' in crystals.h5 (labels: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case .notBinary(let target, let value, let crystal):
            "\(crystal): label \(target) = \(value) is not 0 or 1; give a threshold: --classify \(target):THRESHOLD"
        case .tooFewCrystals(let reason): reason
        case .matbench(let reason): reason
        case .resumeMismatch(let path):
            "\(path) was written by a run with other parameters; rerun them, or drop --resume to start afresh"
        case .diverged(let member, let epoch, let what, let crystals):
            "training diverged (\(what) not finite) in member \(member), epoch \(epoch), on a batch of "
                + "\(crystals.count) crystals (\(crystals.prefix(5).joined(separator: ", "))"
                + "\(crystals.count > 5 ? ", …" : "")); lower --lr or clip with --clip-norm"
        }
    }
}
