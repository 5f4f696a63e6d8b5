import Logging

/// What a backend factory is given to build a backend for one alias.
public struct CacheBackendContext {
    /// The alias being configured.
    public var alias: String
    /// The alias's settings.
    public var configuration: CacheConfiguration
    /// The alias's options, to be read by name.
    public var options: CacheOptions
    /// A logger for the backend.
    public var logger: Logger
}

/// Builds a backend from an alias's settings. It must not do I/O: connections
/// are opened on first use, so building every alias at start-up is cheap.
public typealias CacheBackendFactory = @Sendable (CacheBackendContext) throws -> any CacheBackend

/// The backends (and key functions) that settings can name.
///
/// ``standard`` knows `memory`, `file` and `dummy`; the other backend modules add
/// themselves (`registry.registerRedis()` and so on), and an application can
/// register its own:
///
/// ```swift
/// var registry = CacheBackendRegistry.standard
/// registry.register("mine") { context in MyBackend(location: context.configuration.location) }
/// let caches = try Caches(settings: settings, registry: registry)
/// ```
public struct CacheBackendRegistry: Sendable {
    private var factories: [String: CacheBackendFactory] = [:]
    private var keyFunctions: [String: CacheKeyFunction] = [:]

    /// An empty registry.
    public init() {}

    /// The local backends: `memory`, `file` and `dummy`, also under Django's
    /// dotted class paths.
    public static var standard: CacheBackendRegistry {
        var registry = CacheBackendRegistry()
        registry.register("memory", aliases: ["locmem", "django.core.cache.backends.locmem.LocMemCache"]) { context in
            let options = context.options
            let configuration = MemoryCacheBackend.Configuration(
                maxEntries: try options.int("maxEntries", default: 300),
                cullFrequency: try options.int("cullFrequency", default: 3, minimum: 0),
                maxBytes: try options.int("maxBytes").map { bytes in
                    guard bytes > 0 else { throw options.error("maxBytes", "must be a positive number of bytes") }
                    return bytes
                },
                policy: try options.string("policy").map { name in
                    guard let policy = try? MemoryCachePolicy(name: name) else {
                        throw options.error("policy", "is '\(name)'; the valid policies are \(MemoryCachePolicy.validNames)")
                    }
                    return policy
                } ?? .lru,
                shards: try options.int("shards").map { shards in
                    guard shards >= 1, shards <= 256, shards.nonzeroBitCount == 1 else {
                        throw options.error("shards", "must be a power of two from 1 to 256, not \(shards)")
                    }
                    return shards
                }
            )
            try options.finish()
            let backend = MemoryCacheBackend(location: context.configuration.location, configuration: configuration)
            if backend.policy != configuration.policy {
                throw options.error("policy", "is '\(configuration.policy)', but the memory location '\(backend.location)' is "
                    + "already open with policy '\(backend.policy)'; give this alias another location or the same policy")
            }
            return backend
        }
        registry.register("file", aliases: ["filebased", "django.core.cache.backends.filebased.FileBasedCache"]) { context in
            let options = context.options
            let configuration = FileCacheBackend.Configuration(
                maxEntries: try options.int("maxEntries", default: 300),
                cullFrequency: try options.int("cullFrequency", default: 3, minimum: 0)
            )
            try options.finish()
            guard !context.configuration.location.isEmpty else {
                throw CacheConfigurationError("Cache '\(context.alias)' (backend 'file') needs a 'location': the cache directory")
            }
            if !context.configuration.location.hasPrefix("/") {
                context.logger.warning("the file cache location is a relative path; it is resolved against the working directory",
                                       metadata: ["cache.alias": "\(context.alias)", "location": "\(context.configuration.location)"])
            }
            return FileCacheBackend(directory: context.configuration.location, configuration: configuration, logger: context.logger)
        }
        registry.register("dummy", aliases: ["django.core.cache.backends.dummy.DummyCache"]) { context in
            try context.options.finish()
            return DummyCacheBackend()
        }
        return registry
    }

    /// Registers a backend factory under a name (and optional other names).
    public mutating func register(_ name: String, aliases: [String] = [], factory: @escaping CacheBackendFactory) {
        factories[name] = factory
        for alias in aliases { factories[alias] = factory }
    }

    /// Registers a key function that settings can name in `keyFunction`.
    public mutating func registerKeyFunction(_ name: String, _ function: CacheKeyFunction) {
        keyFunctions[name] = function
    }

    /// The registered backend names, sorted.
    public var backendNames: [String] { factories.keys.sorted() }

    /// Builds the ``Cache`` of one alias.
    public func makeCache(alias: String, configuration: CacheConfiguration, logger: Logger) throws -> Cache {
        guard let factory = factories[configuration.backend] else {
            throw CacheConfigurationError(
                "Could not find backend '\(configuration.backend)' for cache '\(alias)'; the registered backends are "
                    + backendNames.filter { !$0.contains(".") }.joined(separator: ", ")
            )
        }
        var keyFunction = configuration.keyFunction
        if keyFunction == nil, let name = configuration.keyFunctionName {
            guard let registered = keyFunctions[name] else {
                throw CacheConfigurationError(
                    "Cache '\(alias)': unknown key function '\(name)'; register it with CacheBackendRegistry.registerKeyFunction"
                )
            }
            keyFunction = registered
        }
        var backendLogger = logger
        backendLogger[metadataKey: "cache.alias"] = .string(alias)
        let options = CacheOptions(alias: alias, backend: configuration.backend, values: configuration.options)
        let backend = try factory(CacheBackendContext(alias: alias, configuration: configuration, options: options, logger: backendLogger))
        return Cache(
            alias: alias,
            backend: backend,
            keyPrefix: configuration.keyPrefix,
            version: configuration.version,
            defaultTimeout: configuration.timeout.resolved(default: .seconds(300)),
            keyFunction: keyFunction,
            logger: logger
        )
    }
}
