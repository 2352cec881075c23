import Crystal
import Foundation

/// The structure file formats ingest reads; any of them may be `.gz` or `.zst` compressed.
public enum InputFormat: String, CaseIterable, Codable, Sendable {
    /// CIF, one or more data blocks.
    case cif
    /// VASP POSCAR/CONTCAR.
    case poscar
    /// Extended XYZ, one or more frames.
    case extxyz
    /// pymatgen Structure dicts, Materials Project documents (JSON array or JSON Lines), MatBench files
    /// (pandas "split" or "columns"), parallel arrays.
    case json
    /// CSV with a structure column (pymatgen's text rendering or CIF text).
    case csv

    /// The format of `path` from its name (compression suffixes ignored), else from its first bytes.
    public static func detect(path: String, head: [UInt8]) -> InputFormat? {
        let lower = lastComponent(InputCompression.strippedName(path)).lowercased()
        switch pathExtension(lower) {
        case "cif", "mmcif": return .cif
        case "vasp", "poscar", "contcar": return .poscar
        case "xyz", "extxyz": return .extxyz
        case "json", "jsonl", "ndjson": return .json
        case "csv": return .csv
        default: break
        }
        if lower.hasPrefix("poscar") || lower.hasPrefix("contcar") { return .poscar }
        let text = String(decoding: head.prefix(4096), as: UTF8.self)
        let trimmed = text.drop { $0.isWhitespace }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return .json }
        if text.contains("data_") && text.contains("_cell_length") { return .cif }
        return nil
    }

    /// Whether a file in a folder should be read: one-structure and multi-structure files by extension.
    ///
    /// CSV files in folders are not read (a folder's `id_prop.csv` gives labels, other tables such as an id
    /// map are not structures; name a CSV of structures explicitly); `atom_init.json`, checksum lists and dot
    /// files are skipped.
    static func isStructureFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.hasPrefix(".") || ["id_prop.csv", "atom_init.json", "sha256sums", "readme.md"].contains(lower) {
            return false
        }
        let ext = pathExtension(InputCompression.strippedName(lower))
        return ["cif", "vasp", "poscar", "contcar", "xyz", "extxyz", "json", "jsonl", "ndjson"].contains(ext)
            || lower.hasPrefix("poscar") || lower.hasPrefix("contcar")
    }

    /// The part of `path` after its last `/` (file names are split by hand: Foundation's path methods cost
    /// microseconds each, per file of a folder of thousands, on ingest's one reader thread).
    static func lastComponent(_ path: String) -> Substring {
        path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? path[...]
    }

    /// The extension of file name `name`: after its last `.`, unless that is its first character ("" if none).
    static func pathExtension<S: StringProtocol>(_ name: S) -> String {
        let base = lastComponent(String(name))
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return "" }
        return String(base[base.index(after: dot)...])
    }
}
