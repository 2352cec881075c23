import Foundation

/// Why a structure could not be read or was rejected.
///
/// Each `description` is one line; the caller adds
/// the file and record it came from.
public enum CrystalError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The text is not valid in its format; `line` is 1-based when known.
    case malformed(format: String, line: Int?, message: String)
    /// An element symbol or atomic number that is not in the periodic table (Z 1–103).
    case unknownElement(String)
    /// A site that is not fully occupied by one element.
    case partialOccupancy(site: Int, detail: String)
    /// A non-finite number (NaN or infinity) in the lattice or coordinates.
    case nonFinite(String)
    /// A lattice whose volume is zero or negligible.
    case nonPositiveVolume(Double)
    /// A site whose fractional coordinate is beyond ±`Crystal.maximumFractionalCoordinate`.
    case farOutsideCell(site: Int, coordinate: Double)
    /// A cell so skewed that two of its lattice planes are closer than `Crystal.minimumPlaneSpacing` (Å).
    case thinCell(spacing: Double, axis: String)
    /// Two atoms (or an atom and a periodic image) closer than the threshold.
    case overlappingAtoms(first: Int, second: Int, distance: Double, threshold: Double)
    /// A structure with no atoms.
    case noAtoms
    /// More atoms than the configured limit.
    case tooManyAtoms(count: Int, limit: Int)
    /// The input cannot be read: an I/O error, or damaged or truncated compressed data.
    case unreadable(String)

    public var description: String {
        switch self {
        case .malformed(let format, let line, let message):
            return "malformed \(format)\(line.map { " at line \($0)" } ?? ""): \(message)"
        case .unknownElement(let symbol):
            return "unknown element '\(symbol)'"
        case .partialOccupancy(let site, let detail):
            return "partial occupancy on site \(site): \(detail) (disordered structures are not supported)"
        case .nonFinite(let what):
            return "non-finite number in \(what)"
        case .nonPositiveVolume(let volume):
            return "lattice volume \(formatted(volume, digits: 6)) Å³ is not positive"
        case .farOutsideCell(let site, let coordinate):
            return "site \(site) has a fractional coordinate of \(coordinate), more than "
                + "\(Int(Crystal.maximumFractionalCoordinate)) cells away"
        case .thinCell(let spacing, let axis):
            return "the cell's \(axis) planes are only \(formatted(spacing, digits: 3)) Å apart (at least "
                + "\(Crystal.minimumPlaneSpacing) Å): a cell this skewed needs reducing (Niggli) first"
        case .overlappingAtoms(let first, let second, let distance, let threshold):
            return
                "atoms \(first) and \(second) are \(formatted(distance, digits: 3)) Å apart (closer than \(threshold) Å)"
        case .noAtoms:
            return "no atoms"
        case .tooManyAtoms(let count, let limit):
            return "\(count) atoms, more than the limit of \(limit) (--max-atoms)"
        case .unreadable(let message):
            return message
        }
    }
}

/// `value` with at most `digits` decimals, trailing zeros dropped.
func formatted(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var text = String(format: "%.\(digits)f", value)
    while text.contains(".") && (text.hasSuffix("0") || text.hasSuffix(".")) { text.removeLast() }
    return text
}
