import Foundation

/// Text helpers shared by the report's HTML and SVG: escaping and number formatting.
enum Markup {
    /// `text` with the five XML/HTML special characters replaced by entities, safe in element content and in
    /// quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `value` for a reader: up to `digits` significant digits, scientific notation for very large or small
    /// magnitudes, `–` for NaN and `∞` for infinities.
    static func number(_ value: Double, digits: Int = 4) -> String {
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "−∞") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 {
            let parts = String(format: "%.\(max(digits - 1, 0))e", value).split(separator: "e")
            return trimmed(String(parts[0])) + "e" + (parts.count > 1 ? parts[1] : "")
        }
        let decimals = max(0, digits - 1 - Int(floor(log10(magnitude))))
        return trimmed(String(format: "%.\(decimals)f", value))
    }

    /// ` (units)` for an axis label; nothing for no units or the dimensionless `1`.
    static func unitsSuffix(_ units: String) -> String { units.isEmpty || units == "1" ? "" : " (\(units))" }

    /// A plot coordinate: one decimal, never NaN (callers drop non-finite points first).
    static func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }

    /// `text` without trailing zeros after a decimal point (`2.500` → `2.5`, `3.0` → `3`).
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var out = Substring(text)
        while out.hasSuffix("0") { out = out.dropLast() }
        if out.hasSuffix(".") { out = out.dropLast() }
        return String(out)
    }
}
