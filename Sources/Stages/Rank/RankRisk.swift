/// How uncertainty lowers a score (`--risk`): none, or a lower confidence bound `lcb:K`.
///
/// With `lcb:K` every objective is scored K ensemble standard deviations on its pessimistic side
/// (`RankObjective.score`), so a crystal predicted well but uncertainly ranks below one predicted as well with
/// confidence.
public struct RankRisk: Sendable, Hashable, CustomStringConvertible {
    /// κ, the number of standard deviations (0 without `--risk`).
    public let kappa: Double
    /// The option as given (`lcb:1`), or empty without `--risk`.
    public let text: String

    /// No risk adjustment: scores are means.
    public static let none = RankRisk(kappa: 0, text: "")

    private init(kappa: Double, text: String) {
        self.kappa = kappa
        self.text = text
    }

    /// Parses `lcb:K` (K a finite number ≥ 0).
    ///
    /// - Throws: `RankError.badRisk` for anything else.
    public init(parsing text: String) throws {
        guard text.hasPrefix("lcb:"), let kappa = Double(text.dropFirst(4)), kappa.isFinite, kappa >= 0 else {
            throw RankError.badRisk(text)
        }
        self.init(kappa: kappa, text: text)
    }

    public var description: String { text }
}
