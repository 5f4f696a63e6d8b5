import Caching

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

    /// Settings built in code.
    public init(
        mode: Mode = .django, cache: String = "default", debugHeaders: Bool = false, keyPrefix: String = "",
        defaultTimeout: Int = HTTPCacheHeaders.defaultTimeout, maxBodyBytes: Int = 1 << 20
    ) {
        self.mode = mode
        self.cache = cache
        self.debugHeaders = debugHeaders
        self.keyPrefix = keyPrefix
        self.defaultTimeout = defaultTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// The name of this section in a settings file (declared in
    /// `CacheSettings.packageSections`).
    public static let section = "httpCache"

    /// The members of the `httpCache` section and what each must be, for the
    /// errors that name an unknown or mistyped one. Add one line per member.
    public static let members: [String: String] = [
        "mode": "\"django\" or \"shared\"",
        "cache": "the name of a cache alias",
        "debugHeaders": "true or false",
        "keyPrefix": "a string",
        "defaultTimeout": "a whole number of seconds",
        "maxBodyBytes": "a whole number of bytes",
    ]

    /// Reads the `httpCache` section (absent: the defaults). Unknown members and
    /// wrong types are errors that name their JSON path (`httpCache.maxBodyBytes`).
    public init(document: JSONValue) throws {
        self.init()
        guard let section = document[Self.section] else { return }
        guard case .object(let members) = section else {
            throw CacheConfigurationError("must be an object such as {\"mode\": \"django\"}, not \(section.quoted)", path: Self.section)
        }
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            let path = SettingsMembers.path(Self.section, name)
            switch (name, value) {
            case ("mode", .string(let text)):
                guard let mode = Mode(rawValue: text) else {
                    throw CacheConfigurationError("must be \"django\" or \"shared\", not \"\(text)\"", path: path)
                }
                self.mode = mode
            case ("cache", .string(let alias)): cache = alias
            case ("debugHeaders", .bool(let on)): debugHeaders = on
            case ("keyPrefix", .string(let prefix)): keyPrefix = prefix
            case ("defaultTimeout", .number): defaultTimeout = try SettingsMembers.integer(value, at: path)
            case ("maxBodyBytes", .number): maxBodyBytes = try SettingsMembers.integer(value, at: path, minimum: 0)
            default:
                throw SettingsMembers.rejected(name, value, members: Self.members, at: Self.section)
            }
        }
    }

    /// The cache pages are kept in: the alias ``cache`` names in `caches`. An
    /// unknown alias is an error at `httpCache.cache` that names the aliases.
    public func pageCache(in caches: Caches) throws -> Cache {
        do {
            return try caches[cache]
        } catch let error as CacheConfigurationError {
            throw error.atPath(SettingsMembers.path(Self.section, "cache"))
        }
    }
}
