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
    /// Hummingbird adapter read) and closes their backends when the
    /// application shuts down. A bad setting is an error naming its path.
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

/// Closes the configured backends (connections, files) when the app stops.
struct SwiftCachingLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.storage[SwiftCachingKey.self]?.caches.closeAll(logger: application.logger)
    }
}
#endif
