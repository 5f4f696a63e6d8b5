#if Vapor
import Caching
import HTTPCaching
import Logging
import Vapor

extension Application.Caches {
    /// swift-caching's caches, by alias, as the settings file describes them
    /// (``configure(settings:registry:)``). Before that call it is one memory
    /// cache, as `Caches()` is.
    public var swiftCaching: Caching.Caches {
        application.storage[SwiftCachingKey.self]?.caches ?? Self.fallback
    }

    /// The settings' `httpCache` section (the page cache's mode and cache), as
    /// ``CachingMiddleware`` reads it.
    public func httpCacheSettings() throws -> HTTPCacheSettings {
        try HTTPCacheSettings(document: swiftCaching.settings.document)
    }

    /// Builds every alias of `settings` (the same file `cachectl` and the
    /// Hummingbird adapter read) and shuts their backends down
    /// (`Caches.shutdown(logger:)`: pools closed for good) when the
    /// application shuts down. A bad setting is an error naming its path.
    ///
    /// That is all the graceful shutdown a Vapor app needs: on SIGTERM or
    /// SIGINT `app.execute()` returns, and at `app.asyncShutdown()` the
    /// handler this registers stops the HTTP server (no new connections; the
    /// requests in flight finish, for at most its `shutdownTimeout`) and then
    /// closes the caches, so no request in flight loses its cache.
    public func configure(settings: CacheSettings, registry: CacheBackendRegistry = .standard) throws {
        let caches = try Caching.Caches(settings: settings, registry: registry, logger: application.logger)
        let previous = application.storage[SwiftCachingKey.self]
        application.storage[SwiftCachingKey.self] = SwiftCachingStorage(caches: caches)
        if previous == nil { application.lifecycle.use(SwiftCachingLifecycle()) }
    }

    /// ``configure(settings:registry:)`` from a settings file.
    public func configure(settingsFile path: String, registry: CacheBackendRegistry = .standard) throws {
        try configure(settings: CacheSettings.load(contentsOf: path), registry: registry)
    }

    /// The memory cache served before ``configure(settings:registry:)``.
    private static let fallback: Caching.Caches = {
        do { return try Caching.Caches() } catch { preconditionFailure("the default settings always build: \(error)") }
    }()
}

extension Application.Caches.Provider {
    /// Vapor's own `app.cache` and `req.cache` served by a swift-caching alias
    /// (``SwiftCachingVaporCache``): `app.caches.use(.swiftCaching("default"))`.
    /// Configure the aliases first (`Application.Caches.configure(settings:registry:)`).
    public static func swiftCaching(_ alias: String = "default") -> Self {
        .init { application in
            application.caches.use { application in
                let cache = application.caches.swiftCaching.cacheIfConfigured(alias)
                return SwiftCachingVaporCache(cache: cache, alias: alias, eventLoop: application.eventLoopGroup.any())
            }
        }
    }
}

/// Where the configured caches live in the application's storage.
struct SwiftCachingKey: StorageKey {
    typealias Value = SwiftCachingStorage
}

/// The configured caches.
struct SwiftCachingStorage: Sendable {
    let caches: Caching.Caches
}

/// Shuts the configured backends down (connections, files) when the app
/// stops, after its HTTP server has drained.
///
/// Vapor 4's `asyncShutdown()` runs lifecycle handlers *before* it stops the
/// server (the serve command is shut down with the application's storage,
/// afterwards), and `app.execute()` returns on SIGTERM while requests are
/// still in flight. So this handler stops the server first — Vapor's own
/// graceful stop: no new connections, the requests in flight finish, for at
/// most the server's `shutdownTimeout` — and only then closes the caches.
/// Vapor stopping the server again later does nothing.
struct SwiftCachingLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.server.shutdown()
        await application.storage[SwiftCachingKey.self]?.caches.shutdown(logger: application.logger)
    }
}
#endif
