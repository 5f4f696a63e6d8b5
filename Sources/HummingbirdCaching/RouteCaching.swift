import Caching
import Foundation
import HTTPCaching
import Hummingbird

/// Django's view decorators for single Hummingbird routes. Each wraps a handler
/// in the matching middleware, so the rules live in one place:
///
/// ```swift
/// router.get("/report", use: RouteCaching.cachePage(60, cache: caches.default) { _, _ in try await slowReport() })
/// router.get("/account", use: RouteCaching.neverCache { request, context in ... })
/// ```
///
/// For many routes, add the middleware to a route group instead.
public enum RouteCaching {
    /// A route handler.
    public typealias Handler<Context: RequestContext, Output: ResponseGenerator> =
        @Sendable (Request, Context) async throws -> Output

    /// `handler` behind `middleware`.
    public static func wrap<Context: RequestContext, Output: ResponseGenerator>(
        _ middleware: some RouterMiddleware<Context>, _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        { request, context in
            try await middleware.handle(request, context: context) { request, context in
                try await handler(request, context).response(from: request, context: context)
            }
        }
    }

    /// `cache_page(timeout, cache=..., key_prefix=...)`: the page cache for one
    /// route; `timeout` wins over the response's `max-age` for the stored
    /// lifetime. `language` and `timeZone` add Django's `USE_I18N`/`USE_TZ` key
    /// suffixes (`HTTPCacheSettings.pageCacheKey(language:)`
    /// gives both from the settings file).
    public static func cachePage<Context: RequestContext, Output: ResponseGenerator>(
        _ timeout: Int, cache: Cache, keyPrefix: String = "", language: PageCacheKey.Language? = nil, timeZone: String? = nil,
        debugHeaders: Bool = false, _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        let configuration = PageCacheConfiguration(
            pageTimeout: timeout, key: PageCacheKey(keyPrefix: keyPrefix, language: language, timeZone: timeZone),
            debugHeaders: debugHeaders)
        return wrap(ResponseCacheMiddleware<Context>(cache: cache, configuration: configuration), handler)
    }

    /// `cache_control(...)`.
    public static func cacheControl<Context: RequestContext, Output: ResponseGenerator>(
        _ directives: [CacheControlHeader.Directive], _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        wrap(CacheControlMiddleware<Context>(directives), handler)
    }

    /// `never_cache`.
    public static func neverCache<Context: RequestContext, Output: ResponseGenerator>(
        _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        wrap(NeverCacheMiddleware<Context>(), handler)
    }

    /// `vary_on_headers(...)`.
    public static func varyOnHeaders<Context: RequestContext, Output: ResponseGenerator>(
        _ names: [String], _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        wrap(VaryHeadersMiddleware<Context>(names), handler)
    }

    /// `vary_on_cookie`.
    public static func varyOnCookie<Context: RequestContext, Output: ResponseGenerator>(
        _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        wrap(VaryHeadersMiddleware<Context>.cookie, handler)
    }

    /// `condition(etag_func, last_modified_func)`: the handler is skipped on 304/412.
    public static func condition<Context: RequestContext, Output: ResponseGenerator>(
        etag: ConditionMiddleware<Context>.ETagFunction? = nil,
        lastModified: ConditionMiddleware<Context>.LastModifiedFunction? = nil,
        _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        wrap(ConditionMiddleware<Context>(etag: etag, lastModified: lastModified), handler)
    }

    /// `etag(etag_func)`.
    public static func etag<Context: RequestContext, Output: ResponseGenerator>(
        _ etag: @escaping ConditionMiddleware<Context>.ETagFunction, _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        condition(etag: etag, handler)
    }

    /// `last_modified(last_modified_func)`.
    public static func lastModified<Context: RequestContext, Output: ResponseGenerator>(
        _ lastModified: @escaping ConditionMiddleware<Context>.LastModifiedFunction, _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        condition(lastModified: lastModified, handler)
    }

    /// `conditional_page`: ``ConditionalGetMiddleware`` for one route.
    public static func conditionalPage<Context: RequestContext, Output: ResponseGenerator>(
        _ handler: @escaping Handler<Context, Output>
    ) -> Handler<Context, Response> {
        wrap(ConditionalGetMiddleware<Context>(), handler)
    }
}
