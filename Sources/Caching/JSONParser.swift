/// A strict JSON (RFC 8259) parser for settings files.
///
/// Foundation's decoders say only "the given data was not valid JSON"; a settings
/// file needs the line and column of the mistake, and a member written twice
/// (where the later one would silently win) is an error too. Errors are
/// ``CacheConfigurationError``s whose path is `line L, column C`.
public struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    /// Nesting deeper than this is refused rather than risking the stack.
    static let maximumDepth = 512

    /// Parses one JSON value that fills the whole input (a UTF-8 byte order mark
    /// and surrounding whitespace are allowed).
    public static func parse<Bytes: Sequence>(_ input: Bytes) throws -> JSONValue where Bytes.Element == UInt8 {
        var parser = JSONParser(bytes: Array(input))
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        guard parser.index < parser.bytes.count else {
            throw parser.error("the settings are empty; write a JSON object such as {\"caches\": {...}}")
        }
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else {
            throw parser.error("unexpected \(parser.found) after the end of the JSON value")
        }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: - Values

    private mutating func value() throws -> JSONValue {
        guard index < bytes.count else { throw error("the JSON ends where a value was expected") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "'"): throw error("strings must be in double quotes, not single quotes")
        default: throw error("expected a value (an object, array, string, number, true, false or null), found \(found)")
        }
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw error(peek(UInt8(ascii: "}"))
                    ? "a trailing comma before \"}\" is not allowed in JSON"
                    : "expected a member name in double quotes, found \(found)")
            }
            let nameIndex = index
            let name = try string()
            guard members[name] == nil else {
                index = nameIndex
                throw error("the member \"\(name)\" is written twice in the same object; keep one")
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected \":\" after the member name \"\(name)\", found \(found)") }
            index += 1
            skipWhitespace()
            members[name] = try value()
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
            } else if peek(UInt8(ascii: "}")) {
                index += 1
                return .object(members)
            } else {
                throw error("expected \",\" or \"}\" after the member \"\(name)\", found \(found)")
            }
        }
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            if peek(UInt8(ascii: "]")) { throw error("a trailing comma before \"]\" is not allowed in JSON") }
            items.append(try value())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                index += 1
            } else if peek(UInt8(ascii: "]")) {
                index += 1
                return .array(items)
            } else {
                throw error("expected \",\" or \"]\" after an item of the list, found \(found)")
            }
        }
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw error("the JSON nests deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw error("expected a value (an object, array, string, number, true, false or null), found \(found)")
        }
        index += expected.count
    }

    private mutating func number() throws -> Double {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - first
        }
        if peek(UInt8(ascii: "-")) { index += 1 }
        if peek(UInt8(ascii: "0")) {
            index += 1
            if index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                throw error("numbers must not have leading zeros")
            }
        } else if digits() == 0 {
            throw error("expected a digit, found \(found)")
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard digits() > 0 else { throw error("expected a digit after the decimal point, found \(found)") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw error("expected a digit in the exponent, found \(found)") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            index = start
            throw error("the number \(text) is too large")
        }
        return number
    }

    private mutating func string() throws -> String {
        index += 1  // the opening quote
        var scalars = String.UnicodeScalarView()
        var run = index  // start of the bytes not yet copied
        func flush(upTo end: Int) {
            scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars)
        }
        while true {
            guard index < bytes.count else { throw error("the JSON ends inside a string; close it with \"") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                flush(upTo: index)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(upTo: index)
                index += 1
                scalars.append(try escape())
                run = index
            case 0..<0x20:
                throw error(byte == 0x0A
                    ? "a string runs past the end of the line; close it with \" (or write \\n for a line break)"
                    : "a control character must be escaped inside a string")
            default:
                index += 1
            }
        }
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard index < bytes.count else { throw error("the JSON ends inside a string; close it with \"") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try hexQuad()
            if (0xD800..<0xDC00).contains(first) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("a \\u escape of a high surrogate must be followed by a low surrogate")
                }
                index += 2
                let second = try hexQuad()
                guard (0xDC00..<0xE000).contains(second),
                      let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)) else {
                    throw error("a \\u escape of a high surrogate must be followed by a low surrogate")
                }
                return scalar
            }
            guard let scalar = Unicode.Scalar(first) else { throw error("a lone low surrogate \\u escape is not a character") }
            return scalar
        default:
            index -= 2
            throw error("unknown escape in a string; the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard bytes.count - index >= 4,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw error("\\u must be followed by four hexadecimal digits")
        }
        index += 4
        return value
    }

    // MARK: - Helpers

    private func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    /// What is at the current position, for error messages.
    private var found: String {
        guard index < bytes.count else { return "the end of the file" }
        let end = min(bytes.count, index + 12)
        let text = String(decoding: bytes[index..<end], as: UTF8.self).prefix { $0 != "\n" && $0 != "\r" }
        return "`\(text)\(end < bytes.count && text.utf8.count == end - index ? "…" : "")`"
    }

    /// An error at the current position: 1-based line, and column in characters.
    private func error(_ problem: String) -> CacheConfigurationError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return CacheConfigurationError(problem, path: "line \(line), column \(column)")
    }
}
