import Caching
import HTTPTypes

/// The site-wide page cache in the mode an `httpCache` settings section
/// chooses, for the framework adapters' one-line wrappers (Hummingbird's
/// `CachingResponder`, Vapor's `CachingMiddleware`): the settings are read
/// here once, so both frameworks build the same caches from the same file.
///
/// - ``Mode/django(_:conditionalGet:)``: Django's recommended order, run by
///   ``respondInDjangoOrder(_:pageCache:conditionalGet:adapter:next:)``.
/// - ``Mode/shared(_:)``: RFC 9111 for a shared cache; the adapter runs
///   ``SharedHTTPCache/respond(to:body:origin:)`` with its framework's origin.
public struct SiteCache: Sendable {
    /// The page cache of each mode.
    public enum Mode: Sendable {
        /// Django's page cache; `conditionalGet` places ``ConditionalGet``
        /// between its update and fetch steps.
        case django(PageCache, conditionalGet: Bool)
        /// RFC 9111's shared cache.
        case shared(SharedHTTPCache)
    }

    /// The configured mode and its cache.
    public let mode: Mode
    /// Larger bodies are passed through, not stored.
    public let maxBodyBytes: Int

    /// The page cache `settings` describe, on its alias of `caches`; an
    /// unknown alias is an error. `language` derives a request's language for
    /// the `useI18N` key suffix (`nil` answers fall back to `languageCode`).
    /// An unknown alias is an error at `httpCache.cache`.
    public init(
        settings: HTTPCacheSettings, caches: Caches, language: (@Sendable (HTTPRequest) -> String?)? = nil
    ) throws {
        let cache = try settings.pageCache(in: caches)
        let hotStore = settings.hotStore(for: cache)
        maxBodyBytes = settings.maxBodyBytes
        switch settings.mode {
        case .django:
            let configuration = PageCacheConfiguration(
                defaultTimeout: settings.defaultTimeout, key: settings.pageCacheKey(language: language),
                debugHeaders: settings.debugHeaders, tagHeader: settings.cacheTagHeader)
            mode = .django(PageCache(cache: cache, configuration: configuration, hotStore: hotStore), conditionalGet: settings.conditionalGet)
        case .shared:
            mode = .shared(SharedHTTPCache(cache: cache, configuration: SharedCacheConfiguration(
                maxBodyBytes: settings.maxBodyBytes, cacheStatus: settings.debugHeaders,
                targetedFields: settings.targetedCacheControl.compactMap { HTTPField.Name($0) },
                tagHeader: settings.cacheTagHeader), hotStore: hotStore))
        }
    }

    /// Django's recommended `MIDDLEWARE` order around `next` (the app): the
    /// update step, then ``ConditionalGet`` (unless `conditionalGet` is off),
    /// then the fetch step — so cached pages are answered 304 and 412 like
    /// any other, and 304s are never stored.
    public static func respondInDjangoOrder<Adapter: PageCacheAdapter>(
        _ request: HTTPRequest, pageCache: PageCache, conditionalGet: Bool, adapter: Adapter,
        next: () async throws -> Adapter.Response
    ) async throws -> Adapter.Response {
        try await pageCache.update(request, adapter: adapter) {
            guard conditionalGet else { return try await pageCache.fetch(request, adapter: adapter, next: next) }
            return try await ConditionalGet.respond(request, adapter: adapter) {
                try await pageCache.fetch(request, adapter: adapter, next: next)
            }
        }
    }
}
