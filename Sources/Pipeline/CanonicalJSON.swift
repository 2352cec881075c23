import Foundation

/// Stage parameters as canonical JSON (sorted keys, no extra whitespace) and its SHA-256.
///
/// The hash is the parameter hash stamped in provenance and the lock file. Reordering fields in a struct or a YAML file does not
/// change it.
public enum CanonicalJSON {
    /// The canonical JSON text of `value`.
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// SHA-256 (hex) of the canonical JSON of `value`.
    public static func hash(_ value: some Encodable) throws -> String { SHA256.hex(try encode(value)) }
}
