import Crystal
import Foundation

/// One `--where` condition a crystal must meet to be ranked.
///
/// Two forms:
/// - `PROP OP NUMBER`, with `OP` one of `<`, `<=`, `>`, `>=`, `==`, `!=` (spaces around it optional) and `PROP`
///   any property of the `CrystalTable` (`band_gap`, `mt-cgcnn/n`, `label/n`, `nsites`, `density`, …). It
///   tests the property's mean (the prediction, not a risk-adjusted score). A crystal whose value is NaN (no
///   prediction, no label, no space group) fails it, whatever `OP` is, `!=` included.
/// - `elements includes A,B` (every one of A, B is in the crystal) and `elements excludes A,B` (none is).
public struct RankFilter: Sendable, Hashable, CustomStringConvertible {
    /// A comparison operator of `PROP OP NUMBER`.
    public enum Comparison: String, Sendable, CaseIterable {
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case greater = ">"

        /// Whether `value OP bound` holds; false whenever `value` is NaN.
        func holds(_ value: Double, _ bound: Double) -> Bool {
            guard !value.isNaN else { return false }
            return switch self {
            case .lessOrEqual: value <= bound
            case .greaterOrEqual: value >= bound
            case .equal: value == bound
            case .notEqual: value != bound
            case .less: value < bound
            case .greater: value > bound
            }
        }
    }

    /// What the filter tests.
    public enum Condition: Sendable, Hashable {
        /// `property OP bound` on the property's mean.
        case compare(property: String, Comparison, bound: Double)
        /// Every one of these elements is present.
        case includes([Element])
        /// None of these elements is present.
        case excludes([Element])
    }

    /// The expression as given.
    public let text: String
    /// Its meaning.
    public let condition: Condition

    public var description: String { text }

    /// Parses a `--where` expression.
    ///
    /// - Throws: `RankError.badFilter` for text of neither form, a bound that is not a number (or is NaN), or
    ///   an element symbol that names no element.
    public init(parsing text: String) throws {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let words = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        if words.first == "elements" {
            guard words.count == 3, words[1] == "includes" || words[1] == "excludes" else {
                throw RankError.badFilter(text, reason: "elements takes 'includes' or 'excludes' and a list")
            }
            var elements: [Element] = []
            for symbol in words[2].split(separator: ",", omittingEmptySubsequences: false).map({
                $0.trimmingCharacters(in: .whitespaces)
            }) {
                guard let element = Element(symbol: symbol), element.symbol == symbol else {
                    let hint = Element(symbol: symbol).map { " (symbols are case-sensitive: \($0.symbol))" } ?? ""
                    throw RankError.badFilter(text, reason: "'\(symbol)' is not an element symbol\(hint)")
                }
                elements.append(element)
            }
            guard !elements.isEmpty else { throw RankError.badFilter(text, reason: "no element listed") }
            condition = words[1] == "includes" ? .includes(elements) : .excludes(elements)
            return
        }
        guard let found = Self.firstOperator(in: trimmed) else {
            throw RankError.badFilter(text, reason: "no comparison operator")
        }
        let property = trimmed[..<found.range.lowerBound].trimmingCharacters(in: .whitespaces)
        let number = trimmed[found.range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard !property.isEmpty else { throw RankError.badFilter(text, reason: "no property before the operator") }
        guard let bound = Double(number), !bound.isNaN else {
            throw RankError.badFilter(text, reason: "'\(number)' is not a number")
        }
        condition = .compare(property: property, found.comparison, bound: bound)
    }

    /// The first operator in `text` (two-character operators win over their one-character prefixes).
    private static func firstOperator(in text: String) -> (comparison: Comparison, range: Range<String.Index>)? {
        guard let start = text.firstIndex(where: { "<>=!".contains($0) }) else { return nil }
        for comparison in Comparison.allCases where text[start...].hasPrefix(comparison.rawValue) {
            return (comparison, start..<text.index(start, offsetBy: comparison.rawValue.count))
        }
        return nil
    }

    /// The property the filter reads, or `nil` for an `elements` filter.
    var property: String? {
        if case .compare(let property, _, _) = condition { property } else { nil }
    }

    /// Whether each crystal of `table` passes.
    ///
    /// - Returns: `[B]`, in the table's order.
    /// - Throws: `RankError` for a property the table does not have.
    func evaluate(on table: CrystalTable) throws -> [Bool] {
        switch condition {
        case .compare(let property, let comparison, let bound):
            return try table.column(property).mean.map { comparison.holds($0, bound) }
        case .includes(let elements):
            let wanted = ElementSet(elements)
            return table.elements.map { $0.isSuperset(of: wanted) }
        case .excludes(let elements):
            let unwanted = ElementSet(elements)
            return table.elements.map { $0.isDisjoint(with: unwanted) }
        }
    }
}
