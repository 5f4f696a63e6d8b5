import Caching
import HTTPCaching
import HTTPTypes
import Hummingbird

/// The page cache around a whole Hummingbird app in one line, in the mode the
/// settings choose (`HTTPCacheSettings`):
///
/// - **django**: Django's recommended order — the update step, then
///   `ConditionalGet` (unless `conditionalGet` is off), then the
///   fetch step, then your router — so cached pages are answered with 304 and
///   412 like any other, HEAD hits carry the stored ETag and the GET's
///   `Content-Length`, and 304s are never stored. Keys get Django's language
///   and time-zone suffixes when `useI18N`/`useTZ` are on.
/// - **shared**: RFC 9111 for a shared cache (``SharedCacheResponder``).
///
/// In both, a HEAD for a route that has only a GET handler is answered through
/// that handler (``HEADThroughGETResponder``), as Django does.
///
/// ```swift
/// let settings = try CacheSettings.load(contentsOf: "caches.json")
/// let caches = try Caches(settings: settings)
/// let responder = try CachingResponder(router.buildResponder(), settings: HTTPCacheSettings(document: settings.document), caches: caches)
/// let app = Application(responder: responder, configuration: ...)
/// ```
///
/// Middleware inside your router runs on misses only; to run something on
/// hits too (sessions, logging) in django mode, place the three middleware
/// yourself (see ``UpdateCacheMiddleware``).
public struct CachingResponder<Responder: HTTPResponder>: HTTPResponder where Responder.Context: RequestContext {
    /// The app's request context.
    public typealias Context = Responder.Context

    let responder: Responder
    let site: SiteCache
    let adapter: HummingbirdPageAdapter

    /// The same page cache's hits answered at the connection (``HotPathHandler``),
    /// sharing this responder's hot tier; `nil` when the settings turn the hot
    /// tier off (`hotStoreBytes` 0). `HTTPServerBuilder.http1(servingHitsFrom:)`
    /// puts it in the server.
    public var hotPath: HotPathResponder? {
        switch site.mode {
        case .django(let pageCache, let conditionalGet):
            return pageCache.hotStore == nil ? nil : .django(pageCache, conditionalGet: conditionalGet)
        case .shared(let shared):
            return shared.hotStore == nil ? nil : .shared(shared)
        }
    }

    /// Wraps `responder` in the configured mode; an unknown cache alias is an
    /// error. `language` derives the request's language for the `useI18N`
    /// key suffix (`nil` answers fall back to the settings' `languageCode`).
    public init(
        _ responder: Responder, settings: HTTPCacheSettings, caches: Caches,
        language: (@Sendable (HTTPRequest) -> String?)? = nil
    ) throws {
        self.responder = responder
        self.site = try SiteCache(settings: settings, caches: caches, language: language)
        self.adapter = HummingbirdPageAdapter(maxBodyBytes: settings.maxBodyBytes)
    }

    /// Answers through the configured page cache.
    public func respond(to request: Request, context: Context) async throws -> Response {
        try await HEADThroughGET.respond(request, adapter: adapter) { request in
            try await respondCached(to: request, context: context)
        }
    }

    private func respondCached(to request: Request, context: Context) async throws -> Response {
        switch site.mode {
        case .django(let pageCache, let conditionalGet):
            return try await SiteCache.respondInDjangoOrder(
                request.cacheHead, pageCache: pageCache, conditionalGet: conditionalGet, adapter: adapter
            ) { try await responder.respond(to: request, context: context) }
        case .shared(let cache):
            return try await SharedCacheResponder(responder, cache: cache, maxBodyBytes: site.maxBodyBytes)
                .respond(to: request, context: context)
        }
    }
}
