import Logging

/// The caches of an application by alias: Django's `caches`.
///
/// Every alias is built when `Caches` is created, so a bad setting (an unknown
/// backend, a wrong option, no `default`) fails at start-up, not on the first
/// request. Backends open their connections lazily, so building is cheap.
///
/// ```swift
/// let caches = try Caches(settings: .load(contentsOf: "caches.json"))
/// try await caches.default.set("k", 1)
/// let pages = try caches["pages"]
/// ```
public final class Caches: Sendable {
    /// The settings the caches were built from.
    public let settings: CacheSettings
    private let caches: [String: Cache]
    /// The `default` alias.
    public let `default`: Cache

    /// Builds every alias in `settings` with the backends of `registry`.
    public init(
        settings: CacheSettings = .default,
        registry: CacheBackendRegistry = .standard,
        logger: Logger = Logger(label: "swift-caching")
    ) throws {
        guard let defaultConfiguration = settings.caches["default"] else {
            throw CacheConfigurationError(
                "You must define a 'default' cache in your cache settings (the aliases are \(settings.caches.keys.sorted().joined(separator: ", ")))",
                path: "caches", file: settings.file)
        }
        var caches: [String: Cache] = [:]
        do {
            // Sorted, so that of several bad aliases the same one is reported each run.
            for (alias, configuration) in settings.caches.sorted(by: { $0.key < $1.key }) {
                caches[alias] = try registry.makeCache(alias: alias, configuration: configuration, logger: logger)
            }
        } catch let error as CacheConfigurationError {
            throw error.inFile(settings.file)
        }
        self.settings = settings
        self.caches = caches
        if let builtDefault = caches["default"] {
            self.default = builtDefault
        } else {
            self.default = try registry.makeCache(alias: "default", configuration: defaultConfiguration, logger: logger)
        }
    }

    /// The cache of an alias; an unknown alias is an error that names it.
    public subscript(alias: String) -> Cache {
        get throws {
            guard let cache = caches[alias] else {
                throw CacheConfigurationError(
                    "The cache alias '\(alias)' doesn't exist; the configured aliases are \(aliases.joined(separator: ", "))"
                )
            }
            return cache
        }
    }

    /// The cache of an alias, or `nil`.
    public func cacheIfConfigured(_ alias: String) -> Cache? {
        caches[alias]
    }

    /// The configured aliases, sorted.
    public var aliases: [String] { caches.keys.sorted() }

    /// Every cache, by alias.
    public var all: [Cache] { aliases.compactMap { caches[$0] } }

    /// Closes every cache's backend, logging failures rather than throwing, so one
    /// failing backend does not keep the others open.
    public func closeAll(logger: Logger = Logger(label: "swift-caching")) async {
        for cache in all {
            do {
                try await cache.close()
            } catch {
                logger.error("closing a cache failed", metadata: ["cache.alias": "\(cache.alias)", "error": "\(error)"])
            }
        }
    }
}
