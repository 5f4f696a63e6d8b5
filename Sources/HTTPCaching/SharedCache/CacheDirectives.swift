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

    /// Lower-cased field names of a qualified directive's list.
    static func fieldNames(_ argument: String) -> [String] {
        argument.split(separator: ",").map { $0.trimmingHTTPWhitespace().lowercased() }.filter { !$0.isEmpty }
    }

    /// `(name, argument)` pairs: names lower-cased, quoted arguments unquoted,
    /// commas inside quotes kept. Empty members are skipped.
    static func directives(in value: Substring) -> [(String, String?)] {
        var result: [(String, String?)] = []
        var index = value.startIndex
        while index < value.endIndex {
            // Name.
            var nameEnd = index
            while nameEnd < value.endIndex, value[nameEnd] != "=", value[nameEnd] != "," { nameEnd = value.index(after: nameEnd) }
            let name = value[index..<nameEnd].trimmingHTTPWhitespace().lowercased()
            index = nameEnd
            var argument: String?
            if index < value.endIndex, value[index] == "=" {
                index = value.index(after: index)
                while index < value.endIndex, value[index] == " " || value[index] == "\t" { index = value.index(after: index) }
                if index < value.endIndex, value[index] == "\"" {
                    index = value.index(after: index)
                    var text = ""
                    while index < value.endIndex, value[index] != "\"" {
                        if value[index] == "\\" {
                            index = value.index(after: index)
                            if index == value.endIndex { break }
                        }
                        text.append(value[index])
                        index = value.index(after: index)
                    }
                    if index < value.endIndex { index = value.index(after: index) }
                    argument = text
                    while index < value.endIndex, value[index] != "," { index = value.index(after: index) }
                } else {
                    var end = index
                    while end < value.endIndex, value[end] != "," { end = value.index(after: end) }
                    argument = String(value[index..<end].trimmingHTTPWhitespace())
                    index = end
                }
            }
            if index < value.endIndex { index = value.index(after: index) }
            if !name.isEmpty { result.append((name, argument)) }
        }
        return result
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingHTTPWhitespace() -> SubSequence {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start {
            let last = index(before: end)
            guard self[last] == " " || self[last] == "\t" else { break }
            end = last
        }
        return self[start..<end]
    }
}
