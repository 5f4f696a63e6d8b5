import Caching
import HTTPCaching
import HTTPTypes
import Hummingbird

/// The page cache around a whole Hummingbird app in one line, in the mode the
/// settings choose (``HTTPCaching/HTTPCacheSettings``):
///
/// - **django**: Django's recommended order — the update step, then
///   ``HTTPCaching/ConditionalGet`` (unless `conditionalGet` is off), then the
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

    enum Engine: Sendable {
        case django(PageCache, conditionalGet: Bool)
        case shared(SharedCacheResponder<Responder>)
    }

    let responder: Responder
    let engine: Engine
    let adapter: HummingbirdPageAdapter

    /// The same page cache's hits answered at the connection (``HotPathHandler``),
    /// sharing this responder's hot tier; `nil` when the settings turn the hot
    /// tier off (`hotStoreBytes` 0). `HTTPServerBuilder.http1(servingHitsFrom:)`
    /// puts it in the server.
    public var hotPath: HotPathResponder? {
        switch engine {
        case .django(let pageCache, let conditionalGet):
            return pageCache.hotStore == nil ? nil : .django(pageCache, conditionalGet: conditionalGet)
        case .shared(let shared):
            return shared.shared.hotStore == nil ? nil : .shared(shared.shared)
        }
    }

    /// Wraps `responder` in the configured mode; an unknown cache alias is an
    /// error. `language` derives the request's language for the `useI18N`
    /// key suffix (`nil` answers fall back to the settings' `languageCode`).
    public init(
        _ responder: Responder, settings: HTTPCacheSettings, caches: Caches,
        language: (@Sendable (HTTPRequest) -> String?)? = nil
    ) throws {
        let cache = try caches[settings.cache]
        let hotStore = settings.hotStore()
        self.responder = responder
        self.adapter = HummingbirdPageAdapter(maxBodyBytes: settings.maxBodyBytes)
        switch settings.mode {
        case .django:
            let configuration = PageCacheConfiguration(
                defaultTimeout: settings.defaultTimeout, key: settings.pageCacheKey(language: language),
                debugHeaders: settings.debugHeaders)
            engine = .django(PageCache(cache: cache, configuration: configuration, hotStore: hotStore), conditionalGet: settings.conditionalGet)
        case .shared:
            let shared = SharedHTTPCache(cache: cache, configuration: SharedCacheConfiguration(
                maxBodyBytes: settings.maxBodyBytes, cacheStatus: settings.debugHeaders,
                targetedFields: settings.targetedCacheControl.compactMap { HTTPField.Name($0) }), hotStore: hotStore)
            engine = .shared(SharedCacheResponder(responder, cache: shared, maxBodyBytes: settings.maxBodyBytes))
        }
    }

    /// Answers through the configured page cache.
    public func respond(to request: Request, context: Context) async throws -> Response {
        try await HEADThroughGET.respond(request, adapter: adapter) { request in
            try await respondCached(to: request, context: context)
        }
    }

    private func respondCached(to request: Request, context: Context) async throws -> Response {
        switch engine {
        case .django(let pageCache, let conditionalGet):
            let head = request.cacheHead
            return try await pageCache.update(head, adapter: adapter) {
                let fetch = { try await pageCache.fetch(head, adapter: adapter) { try await responder.respond(to: request, context: context) } }
                return conditionalGet ? try await ConditionalGet.respond(head, adapter: adapter, next: fetch) : try await fetch()
            }
        case .shared(let shared):
            return try await shared.respond(to: request, context: context)
        }
    }
}
