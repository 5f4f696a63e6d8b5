import Caching
import HTTPCaching
import Hummingbird

/// The page cache around a whole Hummingbird app, in the mode the settings
/// choose (``HTTPCaching/HTTPCacheSettings``): Django's rules
/// (``HTTPCaching/PageCache``, as ``ResponseCacheMiddleware`` placed first) or
/// RFC 9111 for a shared cache (``SharedCacheResponder``).
///
/// ```swift
/// let settings = try CacheSettings.load(contentsOf: "caches.json")
/// let caches = try Caches(settings: settings)
/// let responder = try CachingResponder(router.buildResponder(), settings: HTTPCacheSettings(document: settings.document), caches: caches)
/// let app = Application(responder: responder, configuration: ...)
/// ```
public struct CachingResponder<Responder: HTTPResponder>: HTTPResponder where Responder.Context: RequestContext {
    /// The app's request context.
    public typealias Context = Responder.Context

    enum Engine: Sendable {
        case django(ResponseCacheMiddleware<Context>)
        case shared(SharedCacheResponder<Responder>)
    }

    let responder: Responder
    let engine: Engine

    /// Wraps `responder` in the configured mode; an unknown cache alias is an error.
    public init(_ responder: Responder, settings: HTTPCacheSettings, caches: Caches) throws {
        let cache = try caches[settings.cache]
        self.responder = responder
        switch settings.mode {
        case .django:
            let configuration = PageCacheConfiguration(
                defaultTimeout: settings.defaultTimeout, key: PageCacheKey(keyPrefix: settings.keyPrefix),
                debugHeaders: settings.debugHeaders)
            engine = .django(ResponseCacheMiddleware(cache: cache, configuration: configuration, maxBodyBytes: settings.maxBodyBytes))
        case .shared:
            let shared = SharedHTTPCache(cache: cache, configuration: SharedCacheConfiguration(
                maxBodyBytes: settings.maxBodyBytes, cacheStatus: settings.debugHeaders))
            engine = .shared(SharedCacheResponder(responder, cache: shared, maxBodyBytes: settings.maxBodyBytes))
        }
    }

    /// Answers through the configured page cache.
    public func respond(to request: Request, context: Context) async throws -> Response {
        switch engine {
        case .django(let middleware):
            return try await middleware.handle(request, context: context) { request, context in
                try await responder.respond(to: request, context: context)
            }
        case .shared(let shared):
            return try await shared.respond(to: request, context: context)
        }
    }
}
