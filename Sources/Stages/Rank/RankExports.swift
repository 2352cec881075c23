import Crystal
import Foundation

/// Writes the shortlist (every passing row without `--top`) to `--export` destinations, each file atomically
/// (a temporary file in the same directory, renamed over the target; missing directories are created, existing
/// files replaced).
///
/// Tables have one row per crystal, in ranked order, and the columns `rank`, `front`, `id`, `formula`,
/// `spacegroup` (empty without space groups), `nsites`, then for every prediction `MODEL/TARGET` and
/// `MODEL/TARGET:std`, then every label `label/NAME`. CSV quotes fields as RFC 4180 (CRLF line ends, a field
/// holding a comma, quote or line break in double quotes, quotes doubled) and leaves NaN empty; JSON writes an
/// array of objects with those keys in that order, numbers as numbers and NaN as `null`. CIF directories get one
/// P1 `CIFWriter` file per crystal, named after its id with every character other than letters, digits, `.`,
/// `_` and `-` replaced by `_` (and `-2`, `-3`, … added should two ids give one name).
struct RankExports {
    /// One table cell.
    enum Field: Equatable {
        case integer(Int)
        case number(Double)
        case text(String)
        /// No value (a crystal without a space group).
        case missing
    }

    let ranking: Ranking
    let table: CrystalTable

    /// The table's column names.
    var header: [String] {
        ["rank", "front", "id", "formula", "spacegroup", "nsites"]
            + table.predictions.flatMap { [$0.name, "\($0.name):std"] } + table.labels.map(\.name)
    }

    /// The table's rows: `[shortlisted][header.count]`.
    var rows: [[Field]] {
        (0..<ranking.shortlisted).map { position in
            let row = ranking.rows[position]
            let spaceGroup = table.spaceGroups.map { Int($0[row]) } ?? 0
            return [
                .integer(position + 1), .integer(ranking.fronts[position]), .text(table.ids[row]),
                .text(table.formulas[row]), spaceGroup == 0 ? .missing : .integer(spaceGroup),
                .integer(table.siteCounts[row]),
            ]
                + table.predictions.flatMap { [.number($0.mean[row]), .number($0.std?[row] ?? 0)] }
                + table.labels.map { .number($0.mean[row]) }
        }
    }

    /// Writes `export`.
    ///
    /// - Parameters:
    ///   - export: the destination.
    ///   - crystalsPath: `crystals.h5`, read again for the structures of a CIF export.
    ///   - threads: threads decompressing those structures.
    /// - Throws: `RankError.exportFailed` when a file or directory cannot be written; `StoreError` when the
    ///   structures cannot be read.
    func write(_ export: RankExport, crystalsPath: String, threads: Int) throws {
        switch export {
        case .csv(let path): try Self.writeAtomically(csv(), to: path)
        case .json(let path): try Self.writeAtomically(json(), to: path)
        case .cifDirectory(let path): try writeCIFs(into: path, crystalsPath: crystalsPath, threads: threads)
        }
    }

    /// The CSV text.
    func csv() -> String {
        func quoted(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        let lines =
            [header.map(quoted)]
            + rows.map { fields in
                fields.map { field -> String in
                    switch field {
                    case .integer(let value): String(value)
                    case .number(let value): value.isFinite ? String(value) : ""
                    case .text(let value): quoted(value)
                    case .missing: ""
                    }
                }
            }
        return lines.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The JSON text: an array of objects, one per line.
    func json() -> String {
        let keys = header.map(Self.jsonString)
        let objects = rows.map { fields in
            "{"
                + zip(keys, fields).map { key, field in
                    let value =
                        switch field {
                        case .integer(let value): String(value)
                        case .number(let value): value.isFinite ? String(value) : "null"
                        case .text(let value): Self.jsonString(value)
                        case .missing: "null"
                        }
                    return "\(key): \(value)"
                }.joined(separator: ", ") + "}"
        }
        return objects.isEmpty ? "[]\n" : "[\n  " + objects.joined(separator: ",\n  ") + "\n]\n"
    }

    /// `text` as a JSON string literal (Foundation's encoder does the escaping).
    static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    /// A file name for crystal `id`: letters, digits, `.`, `_` and `-` kept, anything else `_`, no leading dot.
    static func fileName(for id: String) -> String {
        var name = String(
            id.unicodeScalars.map { scalar -> Character in
                let keep =
                    scalar.isASCII
                    && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
                return keep ? Character(scalar) : "_"
            }.prefix(200))
        if name.isEmpty || name.hasPrefix(".") { name = "_" + name }
        return name
    }

    /// One CIF per exported row in `directory`.
    private func writeCIFs(into directory: String, crystalsPath: String, threads: Int) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RankError.exportFailed(
                directory, reason: "cannot create the directory (\(error.localizedDescription))")
        }
        var names: [Int: String] = [:]
        var used: Set<String> = []
        for row in ranking.rows.prefix(ranking.shortlisted) {
            let base = Self.fileName(for: table.ids[row])
            var name = base
            var suffix = 1
            while used.contains(name) {
                suffix += 1
                name = "\(base)-\(suffix)"
            }
            used.insert(name)
            names[row] = name + ".cif"
        }
        guard !names.isEmpty else { return }
        let reader = try CrystalsReader(path: crystalsPath, threads: threads)
        var left = names.count
        while left > 0, let crystal = try reader.next() {
            guard let name = names[reader.position - 1] else { continue }
            try Self.writeAtomically(CIFWriter.write(crystal), to: (directory as NSString).appendingPathComponent(name))
            left -= 1
        }
    }

    /// Writes `text` to `path` through a temporary file renamed over it, creating missing parent directories.
    private static func writeAtomically(_ text: String, to path: String) throws {
        do {
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RankError.exportFailed(path, reason: "cannot write (\(error.localizedDescription))")
        }
    }
}
