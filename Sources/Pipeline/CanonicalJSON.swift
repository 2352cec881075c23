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
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes what `encode` wrote (non-finite numbers as the strings "inf", "-inf" and "nan").
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(text.utf8))
    }

    /// SHA-256 (hex) of the canonical JSON of `value`.
    public static func hash(_ value: some Encodable) throws -> String { SHA256.hex(try encode(value)) }
}
