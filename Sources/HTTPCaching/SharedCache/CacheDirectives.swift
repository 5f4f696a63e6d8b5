import HTTPTypes

/// The `Cache-Control` directives of one request or response, parsed as RFC 9111
/// §5.2 defines them, for the shared-cache mode.
///
/// Django's helpers (`CacheControlHeader`) keep directives as text so they can be
/// patched and written back; this type reads them as a standards cache must:
/// every `Cache-Control` field line combined, names case-insensitive, arguments
/// as tokens or quoted strings, the qualified forms of `no-cache` and `private`
/// kept as field-name lists, and a malformed delta-seconds value read as 0 (so
/// the response is stale, as §4.2.1 asks), never as absent.
public struct CacheDirectives: Sendable, Equatable {
    /// `max-age`, in seconds.
    public var maxAge: Int?
    /// `s-maxage`, in seconds (responses; shared caches only).
    public var sharedMaxAge: Int?
    /// `no-store`.
    public var noStore = false
    /// `no-cache` without field names: every reuse needs validation.
    public var noCache = false
    /// The field names of a qualified `no-cache="..."`: those fields must not be
    /// sent without validation (this cache leaves them out of stored copies).
    public var noCacheFields: [String] = []
    /// `private` without field names: a shared cache must not store the response.
    public var isPrivate = false
    /// The field names of a qualified `private="..."`: not stored by a shared cache.
    public var privateFields: [String] = []
    /// `public`.
    public var isPublic = false
    /// `must-revalidate`.
    public var mustRevalidate = false
    /// `proxy-revalidate`.
    public var proxyRevalidate = false
    /// `must-understand`.
    public var mustUnderstand = false
    /// `immutable` (RFC 8246).
    public var immutable = false
    /// `stale-while-revalidate`, in seconds (RFC 5861).
    public var staleWhileRevalidate: Int?
    /// `stale-if-error`, in seconds (RFC 5861).
    public var staleIfError: Int?
    /// Request: `max-stale` with no argument (any staleness is acceptable).
    public var maxStaleUnlimited = false
    /// Request: `max-stale=<seconds>`.
    public var maxStale: Int?
    /// Request: `min-fresh`, in seconds.
    public var minFresh: Int?
    /// Request: `only-if-cached`.
    public var onlyIfCached = false

    /// No directives.
    public init() {}

    /// The directives of every `Cache-Control` line in `fields`.
    public init(_ fields: HTTPFields) {
        self.init()
        for line in fields[values: .cacheControl] { read(line) }
    }

    /// The directives of one `Cache-Control` value.
    public init(parsing value: some StringProtocol) {
        self.init()
        read(value)
    }

    /// The largest delta-seconds value kept (RFC 9111 §1.2.2: 2^31).
    public static let maximumDeltaSeconds = 2_147_483_648

    private mutating func read(_ value: some StringProtocol) {
        for (name, argument) in Self.directives(in: Substring(value)) {
            switch name {
            case "max-age": maxAge = maxAge ?? Self.seconds(argument)
            case "s-maxage": sharedMaxAge = sharedMaxAge ?? Self.seconds(argument)
            case "no-store": noStore = true
            case "no-cache":
                if let argument, !argument.isEmpty {
                    noCacheFields += Self.fieldNames(argument)
                } else {
                    noCache = true
                }
            case "private":
                if let argument, !argument.isEmpty {
                    privateFields += Self.fieldNames(argument)
                } else {
                    isPrivate = true
                }
            case "public": isPublic = true
            case "must-revalidate": mustRevalidate = true
            case "proxy-revalidate": proxyRevalidate = true
            case "must-understand": mustUnderstand = true
            case "immutable": immutable = true
            case "stale-while-revalidate": staleWhileRevalidate = staleWhileRevalidate ?? Self.seconds(argument)
            case "stale-if-error": staleIfError = staleIfError ?? Self.seconds(argument)
            case "max-stale":
                if let argument {
                    maxStale = maxStale ?? Self.seconds(argument)
                } else {
                    maxStaleUnlimited = true
                }
            case "min-fresh": minFresh = minFresh ?? Self.seconds(argument)
            case "only-if-cached": onlyIfCached = true
            default: continue
            }
        }
    }

    /// A delta-seconds argument: digits only, clamped to 2^31; anything else
    /// (missing, negative, non-numeric) reads as 0, the safe value.
    static func seconds(_ argument: String?) -> Int {
        guard let argument, !argument.isEmpty else { return 0 }
        var value = 0
        for byte in argument.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return 0 }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            if value >= maximumDeltaSeconds { return maximumDeltaSeconds }
        }
        return value
    }

    /// Whole seconds of a computed duration for a header (`Age`, a
    /// `Cache-Status` ttl): rounded down and clamped to ±2^31 as §1.2.2 caps
    /// delta-seconds, so that times read from a corrupt or foreign stored entry
    /// can never trap the conversion to `Int`.
    static func headerSeconds(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        let limit = Double(maximumDeltaSeconds)
        return Int(min(max(value.rounded(.down), -limit), limit))
    }

    /// Lower-cased field names of a qualified directive's list.
    static func fieldNames(_ argument: String) -> [String] {
        argument.split(separator: ",").map { $0.trimmingHTTPWhitespace().lowercased() }.filter { !$0.isEmpty }
    }

    /// `(name, argument)` pairs: names lower-cased, quoted arguments unquoted,
    /// commas inside quotes kept. Empty members are skipped.
    ///
    /// Walks the UTF-8 bytes: every delimiter is ASCII, and a cache reads
    /// these on every hit, where walking `Character`s cost a visible share.
    static func directives(in value: Substring) -> [(String, String?)] {
        let bytes = value.utf8
        let comma = UInt8(ascii: ","), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        var result: [(String, String?)] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            // Name.
            var nameEnd = index
            while nameEnd < bytes.endIndex, bytes[nameEnd] != equals, bytes[nameEnd] != comma { bytes.formIndex(after: &nameEnd) }
            let name = Self.lowercasedName(value[index..<nameEnd].trimmingHTTPWhitespace())
            index = nameEnd
            var argument: String?
            if index < bytes.endIndex, bytes[index] == equals {
                bytes.formIndex(after: &index)
                while index < bytes.endIndex, bytes[index] == space || bytes[index] == tab { bytes.formIndex(after: &index) }
                if index < bytes.endIndex, bytes[index] == quote {
                    bytes.formIndex(after: &index)
                    var text: [UInt8] = []
                    while index < bytes.endIndex, bytes[index] != quote {
                        if bytes[index] == backslash {
                            bytes.formIndex(after: &index)
                            if index == bytes.endIndex { break }
                        }
                        text.append(bytes[index])
                        bytes.formIndex(after: &index)
                    }
                    if index < bytes.endIndex { bytes.formIndex(after: &index) }
                    argument = String(decoding: text, as: UTF8.self)
                    while index < bytes.endIndex, bytes[index] != comma { bytes.formIndex(after: &index) }
                } else {
                    var end = index
                    while end < bytes.endIndex, bytes[end] != comma { bytes.formIndex(after: &end) }
                    argument = String(value[index..<end].trimmingHTTPWhitespace())
                    index = end
                }
            }
            if index < bytes.endIndex { bytes.formIndex(after: &index) }
            if !name.isEmpty { result.append((name, argument)) }
        }
        return result
    }

    /// A directive name lower-cased; names are almost always lower-case ASCII
    /// already, and then no new text is built.
    private static func lowercasedName(_ name: Substring) -> String {
        if name.utf8.allSatisfy({ $0 < 0x80 && !($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }) {
            return String(name)
        }
        return name.lowercased()
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs. Walks UTF-8
    /// bytes, not `Character`s (spaces and tabs are ASCII): header parsing
    /// calls it on every cache hit.
    func trimmingHTTPWhitespace() -> SubSequence {
        let bytes = utf8
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") {
            bytes.formIndex(after: &start)
        }
        // Forward only (the generic view is not bidirectional): the end is just
        // past the last byte that is not a space or a tab.
        var end = start
        var index = start
        while index < bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") { end = index }
        }
        return self[start..<end]
    }
}
