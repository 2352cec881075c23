import Foundation

/// Where `--export` writes the shortlist: a CSV file, a JSON file, or a directory of CIF files.
///
/// `FILE.csv` and `FILE.json` (by extension, any case) are tables; a path ending in `/`, or naming an existing
/// directory, receives one CIF per crystal. Paths are relative to the current directory.
public enum RankExport: Sendable, Hashable {
    /// An RFC 4180 CSV table.
    case csv(String)
    /// A JSON array of objects.
    case json(String)
    /// A directory of `<id>.cif` files (created if missing).
    case cifDirectory(String)

    /// Parses an `--export` value.
    ///
    /// - Throws: `RankError.badExport` for a path that is neither `.csv`, `.json` nor a directory.
    public init(parsing path: String) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let suffix = URL(fileURLWithPath: path).pathExtension.lowercased()
        if path.hasSuffix("/") || (exists && isDirectory.boolValue) {
            self = .cifDirectory(path)
        } else if suffix == "csv" {
            self = .csv(path)
        } else if suffix == "json" {
            self = .json(path)
        } else {
            throw RankError.badExport(path)
        }
    }

    /// The file or directory written.
    public var path: String {
        switch self {
        case .csv(let path), .json(let path), .cifDirectory(let path): path
        }
    }
}
