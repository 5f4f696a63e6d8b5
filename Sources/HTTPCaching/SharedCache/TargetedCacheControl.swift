import HTTPTypes

/// Targeted cache-control fields (RFC 9213), such as `CDN-Cache-Control`: a
/// `Cache-Control` meant for one class of caches, written as a Structured Field
/// Dictionary (RFC 8941 §3.2).
///
/// A cache that has a field on its target list uses the first listed field
/// whose value parses and is not empty, and then ignores `Cache-Control` and
/// `Expires` (RFC 9213 §2.2); a value that does not parse as a dictionary —
/// `max-age =100`, `MaX-aGe=1`, `max-age= 100` — is ignored as a whole, and the
/// response's `Cache-Control` applies. Request directives are never targeted.
public enum TargetedCacheControl {
    /// The directives of the first valid, non-empty targeted field of
    /// `fields` named in `targets`, or `nil` when none is (then `Cache-Control`
    /// and `Expires` apply).
    public static func directives(_ fields: HTTPFields, targets: [HTTPField.Name]) -> CacheDirectives? {
        for name in targets {
            let lines = fields[values: name]
            guard !lines.isEmpty else { continue }
            // Lines combine as one list (RFC 9110 §5.3, RFC 8941 §4.2).
            guard let members = dictionary(lines.joined(separator: ", ")), !members.isEmpty else { continue }
            var directives = CacheDirectives()
            for (key, value) in members { directives.apply(key, value) }
            return directives
        }
        return nil
    }

    /// The response directives a cache with target list `targets` follows:
    /// the first valid targeted field's (`targeted` is then true, and
    /// `Expires` is to be ignored), else those of `Cache-Control`.
    public static func responseDirectives(
        _ fields: HTTPFields, targets: [HTTPField.Name]
    ) -> (directives: CacheDirectives, targeted: Bool) {
        if !targets.isEmpty, let targeted = directives(fields, targets: targets) { return (targeted, true) }
        return (CacheDirectives(fields), false)
    }

    /// A dictionary member's value, reduced to what cache directives use.
    enum Item: Equatable {
        /// `?1`, or a key without a value.
        case `true`
        /// `?0`.
        case `false`
        /// An sf-integer.
        case integer(Int64)
        /// An sf-string.
        case string(String)
        /// Any other item: a decimal, token, byte sequence or inner list.
        case other
    }

    /// The members of a Structured Field Dictionary (RFC 8941 §4.2.2), in
    /// order, a later duplicate key replacing an earlier one; parameters are
    /// dropped. `nil` when the text is not a valid dictionary.
    static func dictionary(_ text: String) -> [(String, Item)]? {
        var parser = Parser(bytes: Array(text.utf8))
        return parser.dictionary()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var current: UInt8 { bytes[index] }

        mutating func skip(_ allowed: Set<UInt8>) {
            while !atEnd, allowed.contains(current) { index += 1 }
        }

        mutating func dictionary() -> [(String, Item)]? {
            var members: [(String, Item)] = []
            skip([UInt8(ascii: " ")])
            while !atEnd {
                guard let key = key() else { return nil }
                var item = Item.true
                if !atEnd, current == UInt8(ascii: "=") {
                    index += 1
                    guard let value = memberValue() else { return nil }
                    item = value
                } else {
                    guard parameters() else { return nil }
                }
                members.removeAll { $0.0 == key }
                members.append((key, item))
                skip([UInt8(ascii: " "), UInt8(ascii: "\t")])
                if atEnd { return members }
                guard current == UInt8(ascii: ",") else { return nil }
                index += 1
                skip([UInt8(ascii: " "), UInt8(ascii: "\t")])
                if atEnd { return nil }  // A trailing comma.
            }
            return members
        }

        /// An item or an inner list, with its parameters.
        mutating func memberValue() -> Item? {
            if !atEnd, current == UInt8(ascii: "(") {
                index += 1
                while true {
                    skip([UInt8(ascii: " ")])
                    if atEnd { return nil }
                    if current == UInt8(ascii: ")") {
                        index += 1
                        return parameters() ? .other : nil
                    }
                    guard bareItem() != nil, parameters() else { return nil }
                    if !atEnd, current != UInt8(ascii: " "), current != UInt8(ascii: ")") { return nil }
                }
            }
            guard let item = bareItem(), parameters() else { return nil }
            return item
        }

        mutating func parameters() -> Bool {
            while !atEnd, current == UInt8(ascii: ";") {
                index += 1
                skip([UInt8(ascii: " ")])
                guard key() != nil else { return false }
                if !atEnd, current == UInt8(ascii: "=") {
                    index += 1
                    guard bareItem() != nil else { return false }
                }
            }
            return true
        }

        mutating func key() -> String? {
            guard !atEnd, isLowercaseLetter(current) || current == UInt8(ascii: "*") else { return nil }
            let start = index
            while !atEnd, isLowercaseLetter(current) || isDigit(current) || "_-.*".utf8.contains(current) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func bareItem() -> Item? {
            guard !atEnd else { return nil }
            let byte = current
            if byte == UInt8(ascii: "-") || isDigit(byte) { return number() }
            if byte == UInt8(ascii: "\"") { return string() }
            if byte == UInt8(ascii: "?") {
                index += 1
                guard !atEnd else { return nil }
                defer { index += 1 }
                switch current {
                case UInt8(ascii: "1"): return .true
                case UInt8(ascii: "0"): return .false
                default: return nil
                }
            }
            if byte == UInt8(ascii: ":") {
                index += 1
                while !atEnd, current != UInt8(ascii: ":") {
                    guard isLetter(current) || isDigit(current) || "+/=".utf8.contains(current) else { return nil }
                    index += 1
                }
                guard !atEnd else { return nil }
                index += 1
                return .other
            }
            if isLetter(byte) || byte == UInt8(ascii: "*") {
                // A token: tchar, ":" and "/".
                while !atEnd, isLetter(current) || isDigit(current) || "!#$%&'*+-.^_`|~:/".utf8.contains(current) { index += 1 }
                return .other
            }
            return nil
        }

        mutating func number() -> Item? {
            var negative = false
            if current == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            var digits = 0
            var value: Int64 = 0
            var decimal = false
            var fraction = 0
            while !atEnd {
                let byte = current
                if isDigit(byte) {
                    if decimal { fraction += 1 } else { digits += 1 }
                    value = value &* 10 &+ Int64(byte - UInt8(ascii: "0"))
                } else if byte == UInt8(ascii: "."), !decimal, digits > 0, digits <= 12 {
                    decimal = true
                } else {
                    break
                }
                index += 1
                if !decimal, digits > 15 { return nil }
            }
            guard digits > 0 else { return nil }
            if decimal { return fraction >= 1 && fraction <= 3 ? .other : nil }
            return .integer(negative ? -value : value)
        }

        mutating func string() -> Item? {
            index += 1
            var text: [UInt8] = []
            while !atEnd {
                let byte = current
                index += 1
                if byte == UInt8(ascii: "\\") {
                    guard !atEnd, current == UInt8(ascii: "\"") || current == UInt8(ascii: "\\") else { return nil }
                    text.append(current)
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    return .string(String(decoding: text, as: UTF8.self))
                } else if byte < 0x20 || byte > 0x7E {
                    return nil
                } else {
                    text.append(byte)
                }
            }
            return nil
        }

        func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
        func isLetter(_ byte: UInt8) -> Bool { isLowercaseLetter(byte | 0x20) }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}

extension CacheDirectives {
    /// Applies one targeted directive (RFC 9213 §2.1: the `Cache-Control`
    /// response directives, delta-seconds as sf-integers, field-name lists as
    /// sf-strings). A directive whose value has the wrong type is ignored;
    /// `?0` turns a flag off.
    mutating func apply(_ key: String, _ item: TargetedCacheControl.Item) {
        func seconds() -> Int? {
            guard case .integer(let value) = item else { return nil }
            return value < 0 ? 0 : Int(min(value, Int64(Self.maximumDeltaSeconds)))
        }
        let on: Bool? = switch item {
        case .true: true
        case .false: false
        default: nil
        }
        switch key {
        case "max-age": if let value = seconds() { maxAge = value }
        case "s-maxage": if let value = seconds() { sharedMaxAge = value }
        case "stale-while-revalidate": if let value = seconds() { staleWhileRevalidate = value }
        case "stale-if-error": if let value = seconds() { staleIfError = value }
        case "no-store": if let on { noStore = on }
        case "no-cache":
            if case .string(let names) = item { noCacheFields += Self.fieldNames(names) } else if let on { noCache = on }
        case "private":
            if case .string(let names) = item { privateFields += Self.fieldNames(names) } else if let on { isPrivate = on }
        case "public": if let on { isPublic = on }
        case "must-revalidate": if let on { mustRevalidate = on }
        case "proxy-revalidate": if let on { proxyRevalidate = on }
        case "must-understand": if let on { mustUnderstand = on }
        case "immutable": if let on { immutable = on }
        default: break
        }
    }
}
