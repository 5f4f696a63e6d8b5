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
    /// The one shutdown, once started: later and concurrent calls wait for it.
    private let shutdownTask = CacheLock<Task<Void, Never>?>(nil)

    /// Builds every alias in `settings` with the backends of `registry`.
    /// `instrumentation` routes every alias's metrics and spans (and those of
    /// page caches built on them) to its factory and tracer; `nil`: the
    /// process-wide `MetricsSystem` and `InstrumentationSystem`.
    public init(
        settings: CacheSettings = .default,
        registry: CacheBackendRegistry = .standard,
        logger: Logger = Logger(label: "swift-caching"),
        instrumentation: CacheInstrumentation? = nil
    ) throws {
        guard let defaultConfiguration = settings.caches["default"] else {
            throw CacheConfigurationError(
                "You must define a 'default' cache in your cache settings (the aliases are \(settings.caches.keys.sorted().joined(separator: ", ")))",
                path: "caches", file: settings.file)
        }
        let builder = AliasBuilder(settings: settings, registry: registry, logger: logger)
        do {
            // Sorted, so that of several bad aliases the same one is reported each run.
            for alias in settings.caches.keys.sorted() {
                _ = try builder.cache(alias)
            }
        } catch let error as CacheConfigurationError {
            throw error.inFile(settings.file)
        }
        let caches = builder.built.mapValues { cache in instrumentation.map { cache.instrumented($0) } ?? cache }
        self.settings = settings
        self.caches = caches
        if let builtDefault = caches["default"] {
            self.default = builtDefault
        } else {
            let cache = try registry.makeCache(alias: "default", configuration: defaultConfiguration, logger: logger)
            self.default = instrumentation.map { cache.instrumented($0) } ?? cache
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

    /// Shuts every alias's backend down for good, when the application stops:
    /// pools close and later calls fail with ``CacheUnavailableReason/shutDown``
    /// (``CacheBackend/closePermanently()``) instead of reconnecting. It runs once;
    /// a second or concurrent call waits for the first. Failures are logged,
    /// not thrown, so one failing backend does not keep the others open.
    ///
    /// Call it after the HTTP server has drained its in-flight requests: they
    /// still need their caches. `CachesService` (HummingbirdCaching) does that
    /// in a swift-service-lifecycle `ServiceGroup`; a Vapor app gets it from
    /// `app.swiftCaching` (VaporCaching).
    public func shutdown(logger: Logger = Logger(label: "swift-caching")) async {
        let all = self.all
        let task = shutdownTask.withLock { started -> Task<Void, Never> in
            if let started { return started }
            let task = Task {
                for cache in all {
                    do {
                        try await cache.backend.closePermanently()
                    } catch {
                        logger.error("shutting a cache down failed",
                                     metadata: ["cache.alias": "\(cache.alias)", "error": "\(error)"])
                    }
                }
                logger.info("caches shut down", metadata: ["cache.aliases": "\(all.map(\.alias).joined(separator: ","))"])
            }
            started = task
            return task
        }
        await task.value
    }

    /// Whether ``shutdown(logger:)`` was called.
    public var isShutDown: Bool { shutdownTask.withLock { $0 != nil } }

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

/// Builds the aliases of one settings document, each once, an alias layered
/// over another (`near`) after the one it is layered over.
private final class AliasBuilder {
    let settings: CacheSettings
    let registry: CacheBackendRegistry
    let logger: Logger
    var built: [String: Cache] = [:]
    /// The aliases being built, outermost first: a repeat is a cycle.
    var building: [String] = []

    init(settings: CacheSettings, registry: CacheBackendRegistry, logger: Logger) {
        self.settings = settings
        self.registry = registry
        self.logger = logger
    }

    func cache(_ alias: String) throws -> Cache {
        if let cache = built[alias] { return cache }
        guard let configuration = settings.caches[alias] else {
            let suggestion = SettingsMembers.suggestion(for: alias, among: settings.caches.keys).map { "; did you mean '\($0)'?" }
            throw CacheConfigurationError(
                "there is no cache alias '\(alias)'"
                    + (suggestion ?? " (the aliases are \(settings.caches.keys.sorted().joined(separator: ", ")))"))
        }
        if building.contains(alias) {
            throw CacheConfigurationError(
                "the aliases \((building + [alias]).joined(separator: " -> ")) are layered over each other in a cycle; "
                    + "one of them must use a backend of its own", path: "caches.\(alias)")
        }
        building.append(alias)
        defer { building.removeLast() }
        let cache = try registry.makeCache(alias: alias, configuration: configuration, logger: logger) { [unowned self] other in
            try self.cache(other).backend
        }
        built[alias] = cache
        return cache
    }
}
