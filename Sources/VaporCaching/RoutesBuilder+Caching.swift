#if Vapor
import Caching
import HTTPCaching
import Vapor

/// Django's view decorators for Vapor route groups: each returns the group
/// behind the matching middleware, so the rules live in one place.
///
/// ```swift
/// app.cachePage(60, cache: app.caches.swiftCaching.default).get("report") { _ in try await slowReport() }
/// app.neverCache().get("account") { req in ... }
/// ```
extension RoutesBuilder {
    /// `cache_page(timeout, cache=..., key_prefix=...)`: the page cache for the
    /// group's routes; `timeout` wins over the response's `max-age` for the
    /// stored lifetime. `language` and `timeZone` add Django's
    /// `USE_I18N`/`USE_TZ` key suffixes.
    public func cachePage(
        _ timeout: Int, cache: Caching.Cache, keyPrefix: String = "", language: PageCacheKey.Language? = nil,
        timeZone: String? = nil, debugHeaders: Bool = false
    ) -> any RoutesBuilder {
        let configuration = PageCacheConfiguration(
            pageTimeout: timeout, key: PageCacheKey(keyPrefix: keyPrefix, language: language, timeZone: timeZone),
            debugHeaders: debugHeaders)
        return grouped(ResponseCacheMiddleware(cache: cache, configuration: configuration))
    }

    /// `cache_control(...)`.
    public func cacheControl(_ directives: [CacheControlHeader.Directive]) -> any RoutesBuilder {
        grouped(CacheControlMiddleware(directives))
    }

    /// `never_cache`.
    public func neverCache() -> any RoutesBuilder {
        grouped(NeverCacheMiddleware())
    }

    /// `vary_on_headers(...)`.
    public func varyOnHeaders(_ names: [String]) -> any RoutesBuilder {
        grouped(VaryHeadersMiddleware(names))
    }

    /// `vary_on_cookie`.
    public func varyOnCookie() -> any RoutesBuilder {
        grouped(VaryHeadersMiddleware.cookie)
    }

    /// `condition(etag_func, last_modified_func)`: the handler is skipped on 304/412.
    public func condition(
        etag: ConditionMiddleware.ETagFunction? = nil, lastModified: ConditionMiddleware.LastModifiedFunction? = nil
    ) -> any RoutesBuilder {
        grouped(ConditionMiddleware(etag: etag, lastModified: lastModified))
    }

    /// `conditional_page`: ``ConditionalGetMiddleware`` for the group.
    public func conditionalPage() -> any RoutesBuilder {
        grouped(ConditionalGetMiddleware())
    }
}
#endif
