/// A parsed JSON value; objects keep their members in input order.
///
/// Numbers are `Double` (as in JavaScript and Python's `json` for non-integers); `NaN`, `Infinity` and
/// `-Infinity`, which pandas and pymatgen write, parse to the corresponding `Double`. Objects are a list of
/// members rather than a dictionary: the objects in structure files are small, and order matters when a
/// caller wants "the first column whose values are objects".
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object: its members in input order (duplicate keys are kept; lookups take the last, as Python does).
    case object([Member])

    /// One member of an object: a key and its value.
    public struct Member: Sendable, Equatable {
        /// The key.
        public var key: String
        /// The value.
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The member `key` of an object (the last one if the key repeats); `nil` if absent or not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members.reversed() where member.key == key { return member.value }
        return nil
    }

    /// The element at `index` of an array; `nil` if out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The number, or `nil` if the value is not a number.
    public var double: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number if it is an integer that fits `Int`, else `nil`.
    public var int: Int? {
        guard case .number(let value) = self, value.rounded() == value, abs(value) < 9.2e18 else { return nil }
        return Int(value)
    }

    /// The string, or `nil` if the value is not a string.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, or `nil` if the value is not `true` or `false`.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, or `nil` if the value is not an array.
    public var array: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members in input order, or `nil` if the value is not an object.
    public var object: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Whether the value is a scalar: null, a boolean, a number or a string.
    public var isScalar: Bool { fieldValue != nil }

    /// The value as a record field if it is a scalar (null, boolean, number, string); `nil` for arrays and objects.
    public var fieldValue: FieldValue? {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let value): return .number(value)
        case .string(let value): return .string(value)
        case .array, .object: return nil
        }
    }

    /// Structural equality; objects compare member by member in order, and `NaN` is not equal to itself.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x == y
        default: return false
        }
    }
}
