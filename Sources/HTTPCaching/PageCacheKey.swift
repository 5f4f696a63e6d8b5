import Crypto
import HTTPTypes

/// Django 6.1.3's page-cache keys (`learn_cache_key`, `get_cache_key`), so keys
/// can be compared with Django's.
///
/// A response's `Vary` names become a sorted *header list* (`HTTP_ACCEPT_ENCODING`
/// ...), stored per URL under the header-list key; the page key then hashes the
/// request's values of those headers, as netstrings (`-,` for an absent one).
public struct PageCacheKey: Sendable {
    /// Django's `CACHE_MIDDLEWARE_KEY_PREFIX` or `cache_page`'s `key_prefix`.
    public var keyPrefix: String
    /// With `USE_I18N`: the request's language code (Django's
    /// `request.LANGUAGE_CODE`, which `LocaleMiddleware` sets), appended as
    /// `.<language>`; `Accept-Language` is then left out of the header list,
    /// since the suffix already separates languages. `nil`: no language suffix.
    public var language: Language?
    /// With `USE_TZ`: the current time zone's name (`TIME_ZONE`, e.g.
    /// `America/Chicago`), appended as `.<name>` after the language. `nil`: none.
    public var timeZone: String?

    /// Where the language suffix comes from: a value the app derives from the
    /// request (a cookie, a URL prefix, `Accept-Language` negotiation), falling
    /// back to the site's default, as Django falls back to the active language.
    public struct Language: Sendable {
        /// The language when the request gives none (`LANGUAGE_CODE`, `en-us`).
        public var defaultCode: String
        /// The request's language, or `nil` for the default.
        public var fromRequest: @Sendable (HTTPRequest) -> String?

        /// A language suffix.
        public init(defaultCode: String = "en-us", fromRequest: @escaping @Sendable (HTTPRequest) -> String? = { _ in nil }) {
            self.defaultCode = defaultCode
            self.fromRequest = fromRequest
        }
    }

    /// A key maker; by default with neither suffix (Django with `USE_I18N` and
    /// `USE_TZ` off).
    public init(keyPrefix: String = "", language: Language? = nil, timeZone: String? = nil) {
        self.keyPrefix = keyPrefix
        self.language = language
        self.timeZone = timeZone
    }

    /// Django's `_i18n_cache_key_suffix`: `.<language>` then `.<time zone>`,
    /// each when configured; empty otherwise.
    public func suffix(_ request: HTTPRequest) -> String {
        var suffix = ""
        if let language { suffix += "." + (language.fromRequest(request) ?? language.defaultCode) }
        if let timeZone { suffix += "." + timeZone }
        return suffix
    }

    /// `scheme://host[:port]/path?query`, Django's `build_absolute_uri()`.
    public static func absoluteURL(_ request: HTTPRequest) -> String {
        (request.scheme ?? "http") + "://" + (request.authority ?? "") + (request.path ?? "/")
    }

    /// The md5 hex of the absolute URL.
    public static func urlHash(_ request: HTTPRequest) -> String {
        HTTPCacheHeaders.md5Hex(absoluteURL(request).utf8)
    }

    /// The key the header list of the request's URL is stored under.
    public func headerListKey(_ request: HTTPRequest) -> String {
        headerListKey(request, urlHash: Self.urlHash(request))
    }

    /// ``headerListKey(_:)`` with the URL hash already computed.
    public func headerListKey(_ request: HTTPRequest, urlHash: String) -> String {
        "views.decorators.cache.cache_header.\(keyPrefix).\(urlHash)\(suffix(request))"
    }

    /// The page key for `method`, given the learned header list.
    public func pageKey(_ request: HTTPRequest, method: HTTPRequest.Method, headerList: [String]) -> String {
        pageKey(request, method: method, headerList: headerList, urlHash: Self.urlHash(request))
    }

    /// ``pageKey(_:method:headerList:)`` with the URL hash already computed.
    public func pageKey(_ request: HTTPRequest, method: HTTPRequest.Method, headerList: [String], urlHash: String) -> String {
        var hasher = Insecure.MD5()
        for name in headerList {
            if let value = Self.metaValue(request, name) {
                let bytes = Array(value.utf8)
                hasher.update(data: Array("\(bytes.count):".utf8) + bytes + [UInt8(ascii: ",")])
            } else {
                hasher.update(data: Array("-,".utf8))
            }
        }
        let headers = HTTPCacheHeaders.hex(hasher.finalize())
        return "views.decorators.cache.cache_page.\(keyPrefix).\(method.rawValue).\(urlHash).\(headers)\(suffix(request))"
    }

    /// The header list Django learns from a response's `Vary`: `HTTP_` plus the
    /// name upper-cased with `-` as `_`, sorted by code point as Python sorts.
    public func headerList(vary fields: HTTPFields) -> [String] {
        var names = Set<String>()
        for name in HTTPCacheHeaders.varyNames(fields) {
            let meta = "HTTP_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
            if language != nil, meta == "HTTP_ACCEPT_LANGUAGE" { continue }
            names.insert(meta)
        }
        // Code-point order, as Python sorts Django's list (UTF-8 byte order is
        // code-point order); Swift's String `<` compares canonical equivalents,
        // which differs for non-ASCII names.
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// A request header's value as Django's `request.META[name]` holds it (lines
    /// joined with `,`), or `nil` when absent. `Content-Type` and
    /// `Content-Length` live in META without the `HTTP_` prefix, so, as in
    /// Django, a learned `HTTP_CONTENT_TYPE` is always absent.
    static func metaValue(_ request: HTTPRequest, _ meta: String) -> String? {
        guard meta.hasPrefix("HTTP_"), meta != "HTTP_CONTENT_TYPE", meta != "HTTP_CONTENT_LENGTH" else { return nil }
        let name = String(meta.dropFirst(5).map { $0 == "_" ? "-" : $0 })
        guard let fieldName = HTTPField.Name(name) else { return nil }
        let values = request.headerFields[values: fieldName]
        return values.isEmpty ? nil : values.joined(separator: ",")
    }
}
