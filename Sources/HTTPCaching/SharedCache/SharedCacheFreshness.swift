import HTTPTypes

/// How fresh a stored response is, by RFC 9111 §4.2 for a shared cache.
public struct SharedCacheFreshness: Sendable, Equatable {
    /// The freshness lifetime in seconds (§4.2.1), heuristic where allowed.
    public var lifetime: Double
    /// The current age in seconds (§4.2.3).
    public var age: Double
    /// Whether the lifetime came from the heuristic of §4.2.2.
    public var isHeuristic: Bool
    /// The corrected initial age in seconds (§4.2.3): the age the response
    /// had when it was received, before any time resident in the cache.
    public var initialAge: Double
    /// When the response was received, seconds since 1970.
    public var responseTime: Double

    /// Whether the response is fresh: its age is below its lifetime.
    public var isFresh: Bool { age < lifetime }
    /// Seconds past the end of freshness (0 while fresh).
    public var staleness: Double { max(0, age - lifetime) }
    /// Seconds of freshness left (negative once stale).
    public var remaining: Double { lifetime - age }

    /// Status codes a cache may give a heuristic lifetime (RFC 9110 §15.1).
    public static let heuristicallyCacheable: Set<Int> = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]

    /// The freshness of `stored` at `now`.
    ///
    /// - Parameters:
    ///   - stored: the stored response.
    ///   - now: the current time, seconds since 1970.
    ///   - heuristicFraction: the share of the time since `Last-Modified` used as
    ///     a heuristic lifetime (10% is the RFC's example).
    ///   - heuristicLimit: the longest heuristic lifetime.
    ///   - targetedFields: the cache's targeted cache-control fields (RFC 9213),
    ///     such as `CDN-Cache-Control`; a valid one replaces `Cache-Control` and
    ///     `Expires`.
    public init(
        of stored: StoredHTTPResponse, now: Double, heuristicFraction: Double = 0.1, heuristicLimit: Double = 86_400,
        targetedFields: [HTTPField.Name] = []
    ) {
        let fields = stored.headerFields
        let (directives, targeted) = TargetedCacheControl.responseDirectives(fields, targets: targetedFields)
        let date = Self.singleDate(fields, .date)
        // §4.2.1: s-maxage, then max-age, then Expires - Date.
        if let shared = directives.sharedMaxAge {
            lifetime = Double(shared)
            isHeuristic = false
        } else if let maxAge = directives.maxAge {
            lifetime = Double(maxAge)
            isHeuristic = false
        } else if !targeted, fields[values: .expires].count > 0 {
            // An invalid or repeated Expires means "already expired".
            if let expires = Self.singleDate(fields, .expires) {
                lifetime = max(0, expires - (date ?? stored.responseTime))
            } else {
                lifetime = 0
            }
            isHeuristic = false
        } else if Self.heuristicallyCacheable.contains(stored.status) || directives.isPublic,
                  let lastModified = Self.singleDate(fields, .lastModified) {
            let reference = date ?? stored.responseTime
            lifetime = min(heuristicLimit, max(0, (reference - lastModified) * heuristicFraction))
            isHeuristic = true
        } else {
            lifetime = 0
            isHeuristic = false
        }
        // §4.2.3.
        let ageValue = Self.ageValue(fields)
        let apparentAge = max(0, stored.responseTime - (date ?? stored.responseTime))
        let responseDelay = max(0, stored.responseTime - stored.requestTime)
        let correctedAgeValue = ageValue + responseDelay
        initialAge = max(apparentAge, correctedAgeValue)
        responseTime = stored.responseTime
        age = initialAge + max(0, now - stored.responseTime)
    }

    /// The same response's freshness at `now`: only the resident time
    /// changes, so the header fields are not parsed again. How the hot tier
    /// answers a hit without re-reading `Date`, `Expires` and `Cache-Control`.
    public func at(_ now: Double) -> SharedCacheFreshness {
        var later = self
        later.age = initialAge + max(0, now - responseTime)
        return later
    }

    /// The one value of a date field; `nil` when absent, repeated with different
    /// values, or unparseable.
    static func singleDate(_ fields: HTTPFields, _ name: HTTPField.Name) -> Double? {
        let values = fields[values: name]
        guard let first = values.first, values.allSatisfy({ $0 == first }) else { return nil }
        return HTTPDate.parse(first)
    }

    /// The `Age` header as seconds: the first member of the first line if it is
    /// a non-negative integer, else 0. `Age` is a single value (RFC 9111 §5.1),
    /// but a list such as `7200, 0` or repeated lines reach caches; RFC 9110
    /// §5.3 lets a recipient combine lines into one list, and the first member
    /// is the value the upstream cache wrote. An invalid value is ignored (§5.1).
    static func ageValue(_ fields: HTTPFields) -> Double {
        guard let line = fields[values: .age].first else { return 0 }
        let first = line.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(line)
        let trimmed = first.trimmingHTTPWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return 0 }
        return Double(CacheDirectives.seconds(String(trimmed)))
    }
}
