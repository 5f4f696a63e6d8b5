import Caching
import HTTPTypes

/// The page cache's settings from the settings file's `httpCache` section:
/// which mode (Django's rules, or RFC 9111 for a shared cache) and its options.
///
/// ```json
/// "httpCache": { "mode": "shared", "cache": "pages", "debugHeaders": true, "maxBodyBytes": 1048576 }
/// ```
public struct HTTPCacheSettings: Sendable, Equatable {
    /// Which rules the page cache follows.
    public enum Mode: String, Sendable, Equatable {
        /// Django's per-site cache, exactly (``PageCache``).
        case django
        /// RFC 9111 for a shared cache (``SharedHTTPCache``).
        case shared
    }

    /// The mode (default `django`).
    public var mode: Mode
    /// The cache alias pages are kept in (default `default`).
    public var cache: String
    /// Debug headers: `X-Cache`/`X-Cache-Key` (django) or `Cache-Status` (shared).
    public var debugHeaders: Bool
    /// The page-key prefix (django mode; Django's `CACHE_MIDDLEWARE_KEY_PREFIX`).
    public var keyPrefix: String
    /// The lifetime of pages without `max-age` (django mode; `CACHE_MIDDLEWARE_SECONDS`).
    public var defaultTimeout: Int
    /// Larger bodies are passed through, not stored.
    public var maxBodyBytes: Int
    /// The targeted cache-control fields the shared mode obeys (RFC 9213),
    /// first listed first (default `["CDN-Cache-Control"]`; `[]` for none).
    public var targetedCacheControl: [String]

    /// Settings built in code.
    public init(
        mode: Mode = .django, cache: String = "default", debugHeaders: Bool = false, keyPrefix: String = "",
        defaultTimeout: Int = HTTPCacheHeaders.defaultTimeout, maxBodyBytes: Int = 1 << 20,
        targetedCacheControl: [String] = ["CDN-Cache-Control"]
    ) {
        self.mode = mode
        self.cache = cache
        self.debugHeaders = debugHeaders
        self.keyPrefix = keyPrefix
        self.defaultTimeout = defaultTimeout
        self.maxBodyBytes = maxBodyBytes
        self.targetedCacheControl = targetedCacheControl
    }

    /// Reads the `httpCache` section (absent: the defaults). Unknown members and
    /// wrong types are errors that name them.
    public init(document: JSONValue) throws {
        self.init()
        guard let section = document["httpCache"] else { return }
        guard case .object(let members) = section else {
            throw CacheConfigurationError("\"httpCache\" must be an object, not \(section.kind)")
        }
        for (name, value) in members {
            switch (name, value) {
            case ("mode", .string(let text)):
                guard let mode = Mode(rawValue: text) else {
                    throw CacheConfigurationError("httpCache.mode must be \"django\" or \"shared\", not \"\(text)\"")
                }
                self.mode = mode
            case ("cache", .string(let alias)): cache = alias
            case ("debugHeaders", .bool(let on)): debugHeaders = on
            case ("keyPrefix", .string(let prefix)): keyPrefix = prefix
            case ("defaultTimeout", .number(let seconds)): defaultTimeout = Int(seconds)
            case ("maxBodyBytes", .number(let bytes)): maxBodyBytes = Int(bytes)
            case ("targetedCacheControl", .array(let names)):
                targetedCacheControl = try names.map { name in
                    guard case .string(let text) = name, HTTPField.Name(text) != nil else {
                        throw CacheConfigurationError("httpCache.targetedCacheControl must list header field names such as \"CDN-Cache-Control\", not \(name)")
                    }
                    return text
                }
            default:
                throw CacheConfigurationError(
                    "Unknown or mistyped httpCache setting \"\(name)\" (\(value.kind)); known: mode, cache, debugHeaders, keyPrefix, defaultTimeout, maxBodyBytes, targetedCacheControl")
            }
        }
    }
}
