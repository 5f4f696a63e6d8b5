import Caching
import HTTPTypes

/// The page cache's settings from the settings file's `httpCache` section:
/// which mode (Django's rules, or RFC 9111 for a shared cache) and its options.
///
/// ```json
/// "httpCache": { "mode": "shared", "cache": "pages", "debugHeaders": true, "maxBodyBytes": 1048576 }
/// ```
///
/// Django mode also reads Django's key-suffix settings — `useI18N` with
/// `languageCode`, `useTZ` with `timeZone` — and `conditionalGet`:
///
/// ```json
/// "httpCache": { "useI18N": true, "languageCode": "en-us", "useTZ": true, "timeZone": "America/Chicago" }
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
    /// Django's `USE_I18N`: page keys end in `.<language>` (django mode).
    public var useI18N: Bool
    /// Django's `LANGUAGE_CODE`: the language suffix when the app's
    /// request-derived language gives none (default `en-us`).
    public var languageCode: String
    /// Django's `USE_TZ`: page keys end in `.<timeZone>` (django mode).
    public var useTZ: Bool
    /// Django's `TIME_ZONE` (default `America/Chicago`, Django's default).
    public var timeZone: String
    /// Django mode: a ``ConditionalGet`` step between the update and fetch
    /// steps, as in Django's recommended middleware order (default on).
    public var conditionalGet: Bool
    /// The targeted cache-control fields the shared mode obeys (RFC 9213),
    /// first listed first (default `["CDN-Cache-Control"]`; `[]` for none).
    public var targetedCacheControl: [String]
    /// The byte budget of the in-process hot tier in front of the backend,
    /// which hits served at the connection are answered from (default 32 MiB;
    /// 0 turns the tier, and with it those hits, off).
    public var hotStoreBytes: Int
    /// The longest, in seconds, an entry stays in the hot tier (default 1):
    /// the staleness bound across app instances sharing a network backend —
    /// a page another instance deletes or replaces is served from this
    /// instance's tier for at most this long. Never longer than the entry's
    /// own lifetime.
    public var hotStoreStaleness: Double
    /// The response field a handler declares its page's tags in (default
    /// `Cache-Tag`; `Surrogate-Key` is read too): pages are stored with them,
    /// so `Cache.invalidate(tags:)` drops them. See ``CacheTagHeader``.
    public var tagHeader: String
    /// Whether the tag fields are removed before responses leave (default
    /// `false`: kept, for Varnish xkey or a CDN downstream).
    public var stripTagHeader: Bool

    /// The default of ``hotStoreBytes``.
    public static let defaultHotStoreBytes = 32 << 20

    /// Settings built in code.
    public init(
        mode: Mode = .django, cache: String = "default", debugHeaders: Bool = false, keyPrefix: String = "",
        defaultTimeout: Int = HTTPCacheHeaders.defaultTimeout, maxBodyBytes: Int = 1 << 20,
        useI18N: Bool = false, languageCode: String = "en-us", useTZ: Bool = false, timeZone: String = "America/Chicago",
        conditionalGet: Bool = true,
        targetedCacheControl: [String] = ["CDN-Cache-Control"],
        hotStoreBytes: Int = HTTPCacheSettings.defaultHotStoreBytes, hotStoreStaleness: Double = 1,
        tagHeader: String = "Cache-Tag", stripTagHeader: Bool = false
    ) {
        self.mode = mode
        self.cache = cache
        self.debugHeaders = debugHeaders
        self.keyPrefix = keyPrefix
        self.defaultTimeout = defaultTimeout
        self.maxBodyBytes = maxBodyBytes
        self.useI18N = useI18N
        self.languageCode = languageCode
        self.useTZ = useTZ
        self.timeZone = timeZone
        self.conditionalGet = conditionalGet
        self.targetedCacheControl = targetedCacheControl
        self.hotStoreBytes = hotStoreBytes
        self.hotStoreStaleness = hotStoreStaleness
        self.tagHeader = tagHeader
        self.stripTagHeader = stripTagHeader
    }

    /// The tag-field rule these settings describe (``tagHeader``, ``stripTagHeader``).
    public var cacheTagHeader: CacheTagHeader {
        CacheTagHeader(name: HTTPField.Name(tagHeader) ?? .cacheTag, strip: stripTagHeader)
    }

    /// The hot tier these settings describe (``hotStoreBytes``,
    /// ``hotStoreStaleness``); `nil` when the budget is 0.
    ///
    /// With `cache`, the tier's metrics go to that cache's factory, under its alias.
    public func hotStore(for cache: Cache? = nil) -> HotResponseStore? {
        guard hotStoreBytes > 0, hotStoreStaleness > 0 else { return nil }
        return HotResponseStore(
            byteBudget: hotStoreBytes, staleness: hotStoreStaleness, location: cache?.alias ?? "pages", metrics: cache?.metricsFactory)
    }

    /// The page-key maker these settings describe: `keyPrefix`, and the
    /// language and time-zone suffixes when `useI18N`/`useTZ` are on. `language`
    /// is the app's request-derived language (a cookie, a URL prefix,
    /// negotiation); `nil` answers fall back to ``languageCode``.
    public func pageCacheKey(language: (@Sendable (HTTPRequest) -> String?)? = nil) -> PageCacheKey {
        PageCacheKey(
            keyPrefix: keyPrefix,
            language: useI18N ? PageCacheKey.Language(defaultCode: languageCode, fromRequest: language ?? { _ in nil }) : nil,
            timeZone: useTZ ? timeZone : nil)
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
        "useI18N": "true or false",
        "languageCode": "a language code such as \"en-us\"",
        "useTZ": "true or false",
        "timeZone": "a time zone name such as \"America/Chicago\"",
        "conditionalGet": "true or false",
        "targetedCacheControl": "a list of header field names such as [\"CDN-Cache-Control\"]",
        "hotStoreBytes": "a whole number of bytes (0: no hot tier)",
        "hotStoreStaleness": "a number of seconds, 0 or more",
        "tagHeader": "a header field name such as \"Cache-Tag\"",
        "stripTagHeader": "true or false",
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
            case ("useI18N", .bool(let on)): useI18N = on
            case ("languageCode", .string(let code)): languageCode = code
            case ("useTZ", .bool(let on)): useTZ = on
            case ("timeZone", .string(let name)): timeZone = name
            case ("conditionalGet", .bool(let on)): conditionalGet = on
            case ("hotStoreBytes", .number): hotStoreBytes = try SettingsMembers.integer(value, at: path, minimum: 0)
            case ("hotStoreStaleness", .number(let seconds)):
                guard seconds >= 0, seconds.isFinite else {
                    throw CacheConfigurationError("must be a number of seconds, 0 or more, not \(value.quoted)", path: path)
                }
                hotStoreStaleness = seconds
            case ("tagHeader", .string(let name)):
                guard HTTPField.Name(name) != nil else {
                    throw CacheConfigurationError("must be a header field name such as \"Cache-Tag\", not \(value.quoted)", path: path)
                }
                tagHeader = name
            case ("stripTagHeader", .bool(let on)): stripTagHeader = on
            case ("targetedCacheControl", .array(let names)):
                targetedCacheControl = try names.map { name in
                    guard case .string(let text) = name, HTTPField.Name(text) != nil else {
                        throw CacheConfigurationError("must list header field names such as \"CDN-Cache-Control\", not \(name)", path: path)
                    }
                    return text
                }
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
