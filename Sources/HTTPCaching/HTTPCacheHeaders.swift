import Crypto
import HTTPTypes

/// Django's `django.utils.cache` header helpers, on swift-http-types fields.
///
/// Each helper is the one implementation of its rule: the middleware, the route
/// helpers of every framework adapter and the demo all call these.
public enum HTTPCacheHeaders {
    /// Django's `CACHE_MIDDLEWARE_SECONDS` default: 600.
    public static let defaultTimeout = 600

    /// Splits a header value on commas, strips each part, drops empty parts
    /// (`split_header_value`).
    public static func splitHeaderValue(_ value: some StringProtocol) -> [String] {
        value.split(separator: ",").map { String($0.trimmingHTTPWhitespace()) }.filter { !$0.isEmpty }
    }

    /// Merges directives into `Cache-Control` by Django's rules (see ``CacheControlHeader``).
    public static func patchCacheControl(_ fields: inout HTTPFields, _ directives: [CacheControlHeader.Directive]) {
        var cacheControl = CacheControlHeader(parsing: fields[.cacheControl])
        cacheControl.patch(directives)
        fields[.cacheControl] = cacheControl.description
    }

    /// The integer `max-age` of `Cache-Control`, or `nil` (`get_max_age`).
    public static func maxAge(_ fields: HTTPFields) -> Int? {
        guard let header = fields[.cacheControl] else { return nil }
        return CacheControlHeader(parsing: header).maxAge
    }

    /// Sets `Expires` (if absent) to `now + timeout` and patches `max-age` to
    /// `timeout` (the smaller wins); a negative timeout counts as 0
    /// (`patch_response_headers`).
    public static func patchResponseHeaders(_ fields: inout HTTPFields, timeout: Int = defaultTimeout, now: Double) {
        let timeout = max(0, timeout)
        if fields[.expires] == nil {
            fields[.expires] = HTTPDate.format(now + Double(timeout))
        }
        patchCacheControl(&fields, [.maxAge(timeout)])
    }

    /// Marks a response as never to be cached: `Expires` now (if absent) and
    /// `Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`
    /// (`add_never_cache_headers`).
    public static func addNeverCacheHeaders(_ fields: inout HTTPFields, now: Double) {
        patchResponseHeaders(&fields, timeout: -1, now: now)
        patchCacheControl(&fields, [.noCache, .noStore, .mustRevalidate, .private])
    }

    /// The names in `Vary`, parsed.
    public static func varyNames(_ fields: HTTPFields) -> [String] {
        fields[values: .vary].flatMap { splitHeaderValue($0) }
    }

    /// Adds names to `Vary` that are not already there (case-insensitively),
    /// keeping order and casing; `*` anywhere makes it exactly `*`
    /// (`patch_vary_headers`).
    public static func patchVaryHeaders(_ fields: inout HTTPFields, _ names: [String]) {
        var vary = varyNames(fields)
        var seen = Set(vary.map { $0.lowercased() })
        for name in names {
            let trimmed = String(name.trimmingHTTPWhitespace())
            if seen.insert(trimmed.lowercased()).inserted { vary.append(trimmed) }
        }
        fields[.vary] = vary.contains("*") ? "*" : vary.joined(separator: ", ")
    }

    /// Whether `Vary` names `name`, case-insensitively (`has_vary_header`).
    public static func hasVaryHeader(_ fields: HTTPFields, _ name: String) -> Bool {
        let wanted = name.lowercased()
        return varyNames(fields).contains { $0.lowercased() == wanted }
    }

    /// Sets `ETag` to the quoted md5 of a non-empty body (`set_response_etag`).
    public static func setETag(_ fields: inout HTTPFields, body: some Sequence<UInt8>) {
        let bytes = Array(body)
        guard !bytes.isEmpty else { return }
        fields[.eTag] = "\"" + md5Hex(bytes) + "\""
    }

    /// The md5 of `bytes` as lower-case hex.
    static func md5Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = Insecure.MD5()
        hasher.update(data: Array(bytes))
        return hex(hasher.finalize())
    }

    /// Lower-case hex of a digest.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
