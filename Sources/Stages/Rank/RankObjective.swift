/// A property to maximise or minimise (`--maximize PROP`, `--minimize PROP`).
public struct RankObjective: Sendable, Hashable, Codable {
    /// Which way is better.
    public enum Direction: String, Sendable, Hashable, Codable {
        case maximize
        case minimize
    }

    /// The property, as given (a bare target or a full `MODEL/TARGET`, `label/NAME`, …).
    public var property: String
    /// Which way is better.
    public var direction: Direction

    public init(_ direction: Direction, _ property: String) {
        self.direction = direction
        self.property = property
    }

    /// The score ranked on: the mean moved against the objective by `kappa` standard deviations.
    ///
    /// ```
    /// maximize: mean − κ·std      minimize: mean + κ·std
    /// ```
    /// With κ = 0 (no `--risk`) the score is the mean; `std` is 0 for labels, structure and single models.
    func score(mean: Double, std: Double, kappa: Double) -> Double {
        let penalty = kappa == 0 ? 0 : kappa * std
        return direction == .maximize ? mean - penalty : mean + penalty
    }

    /// The cost non-dominated sorting minimises: the score, negated for a maximised property.
    func cost(score: Double) -> Double { direction == .maximize ? -score : score }

    /// The objectives of `--maximize` and `--minimize` in the order they appear in `arguments`.
    ///
    /// ArgumentParser collects each flag into its own array and forgets how they interleave; this restores the
    /// command-line order from the raw arguments (`--maximize P`, `--maximize=P`, up to a `--` terminator). When
    /// the arguments do not give back exactly the parsed values (the command was parsed from another argument
    /// list, as by an in-process caller), the maximised properties come first, then the minimised ones, each
    /// in their given order.
    ///
    /// - Parameters:
    ///   - maximize: the parsed `--maximize` values, in order.
    ///   - minimize: the parsed `--minimize` values, in order.
    ///   - arguments: the command line the values were parsed from (without the executable).
    /// - Returns: the objectives, in command-line order.
    static func inCommandLineOrder(maximize: [String], minimize: [String], arguments: [String]) -> [RankObjective] {
        var found: [RankObjective] = []
        var index = arguments.startIndex
        while index < arguments.endIndex, arguments[index] != "--" {
            let argument = arguments[index]
            index += 1
            for (flag, direction) in [("--maximize", Direction.maximize), ("--minimize", .minimize)] {
                if argument == flag, index < arguments.endIndex {
                    found.append(RankObjective(direction, arguments[index]))
                    index += 1
                } else if argument.hasPrefix(flag + "=") {
                    found.append(RankObjective(direction, String(argument.dropFirst(flag.count + 1))))
                }
            }
        }
        let parsed = maximize.map { RankObjective(.maximize, $0) } + minimize.map { RankObjective(.minimize, $0) }
        let agrees =
            found.filter { $0.direction == .maximize }.map(\.property) == maximize
            && found.filter { $0.direction == .minimize }.map(\.property) == minimize
        return agrees ? found : parsed
    }
}
