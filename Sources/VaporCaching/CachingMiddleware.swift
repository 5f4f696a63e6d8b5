#if Vapor
import Caching
import HTTPCaching
import HTTPTypes
import Vapor

/// The page cache around a whole Vapor app in one line, in the mode the
/// settings choose (`HTTPCacheSettings`, the same `httpCache`
/// section the Hummingbird adapter reads):
///
/// - **django**: Django's recommended order — the update step, then
///   `ConditionalGet` (unless `conditionalGet` is off), then the
///   fetch step, then your routes — so cached pages are answered with 304 and
///   412 like any other, HEAD hits carry the stored ETag and the GET's
///   `Content-Length`, and 304s are never stored.
/// - **shared**: RFC 9111 for a shared cache (``SharedCacheMiddleware``).
///
/// ```swift
/// try app.caches.configure(settingsFile: "caches.json")
/// app.middleware.use(try CachingMiddleware(settings: app.caches.httpCacheSettings(), caches: app.caches.swiftCaching))
/// ```
///
/// Add it first among the global middleware: those added after it run on
/// misses only. To run something on hits too (sessions, logging) in django
/// mode, place ``UpdateCacheMiddleware``, your middleware and
/// ``FetchFromCacheMiddleware`` yourself.
public struct CachingMiddleware: AsyncMiddleware {
    /// The configured page cache.
    public let site: SiteCache
    let adapter: VaporPageAdapter

    /// The page cache `settings` describe; an unknown cache alias is an error.
    /// `language` derives the request's language for the `useI18N` key suffix
    /// (`nil` answers fall back to the settings' `languageCode`).
    public init(
        settings: HTTPCacheSettings, caches: Caches, language: (@Sendable (HTTPRequest) -> String?)? = nil
    ) throws {
        self.site = try SiteCache(settings: settings, caches: caches, language: language)
        self.adapter = VaporPageAdapter(maxBodyBytes: settings.maxBodyBytes)
    }

    /// Answers through the configured page cache.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        switch site.mode {
        case .django(let pageCache, let conditionalGet):
            return try await SiteCache.respondInDjangoOrder(
                request.cacheHead, pageCache: pageCache, conditionalGet: conditionalGet, adapter: adapter
            ) { try await next.respond(to: request) }
        case .shared(let shared):
            return try await SharedCacheMiddleware(cache: shared).respond(to: request, chainingTo: next)
        }
    }
}
#endif
