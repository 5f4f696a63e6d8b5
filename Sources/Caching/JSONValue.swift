/// A JSON value, as read from a settings file.
///
/// Settings sections other than `caches` (page-cache middleware, URL policies)
/// are read from the same file by their own modules through this type.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `null` (a `timeout` of `null` means never).
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number; whole numbers are checked with ``integer`` where one is needed.
    case number(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object: its members by name.
    case object([String: JSONValue])

    /// Decodes any JSON value (`Decodable`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value as the JSON it stands for (`Encodable`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// A member of an object; `nil` for anything else.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The value as an `Int` when it is a whole number small enough to be exact
    /// (|n| < 2^53); `nil` for anything else. The one rule for integer settings.
    public var integer: Int? {
        guard case .number(let number) = self, number == number.rounded(), abs(number) < 9_007_199_254_740_992 else { return nil }
        return Int(number)
    }

    /// A short name of the value's kind, for error messages.
    public var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value written as compact JSON (`"2"`, `5`, `[1,2]`), so an error can
    /// quote what the settings file holds.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        case .string(let value):
            var escaped = ""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case "\t": escaped += "\\t"
                case "\r": escaped += "\\r"
                default:
                    escaped += scalar.value < 0x20 ? "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16) : String(scalar)
                }
            }
            return "\"" + escaped + "\""
        case .array(let items): return "[" + items.map(\.description).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.sorted { $0.key < $1.key }
                .map { JSONValue.string($0.key).description + ":" + $0.value.description }.joined(separator: ",") + "}"
        }
    }

    /// The value and its kind for an error message: `"2" (a string)`.
    public var quoted: String {
        let text = description
        return (text.count > 40 ? String(text.prefix(40)) + "…" : text) + " (\(kind))"
    }
}
