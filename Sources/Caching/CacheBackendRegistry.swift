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
    /// The backend of another alias of the same settings, built first if it
    /// is not yet: for backends layered over another alias (`near`). Throws a
    /// ``CacheConfigurationError`` for an alias that is not configured, or
    /// one that (through others) is layered over this one.
    public var backendOfAlias: (String) throws -> any CacheBackend
}

/// Builds a backend from an alias's settings. It must not do I/O: connections
/// are opened on first use, so building every alias at start-up is cheap.
public typealias CacheBackendFactory = @Sendable (CacheBackendContext) throws -> any CacheBackend

/// The backends (and key functions) that settings can name.
///
/// ``standard`` knows `memory`, `file` and `dummy`; the other backend modules add
/// themselves (`registry.registerRedisBackend()` and so on;
/// `CacheBackendRegistry.allBackends` in `CachingBackends` has them all), and an
/// application can register its own:
///
/// ```swift
/// var registry = CacheBackendRegistry.standard
/// registry.register("mine", options: ["path"]) { context in
///     MyBackend(location: context.configuration.location, path: try context.options.string("path"))
/// }
/// let caches = try Caches(settings: settings, registry: registry)
/// ```
///
/// Each entry declares the option names it accepts (`options:`), so an unknown
/// option is refused — with a "did you mean" — before its factory runs.
public struct CacheBackendRegistry: Sendable {
    /// One registered backend: its factory and the option names it accepts
    /// (`nil`: not declared; ``CacheOptions/finish()`` checks what was read).
    private struct Entry: Sendable {
        var name: String
        var factory: CacheBackendFactory
        var options: [String]?
    }

    private var factories: [String: Entry] = [:]
    private var keyFunctions: [String: CacheKeyFunction] = [:]
    /// Backends deliberately left out of this build, with what to do instead.
    private var missing: [String: String] = [:]

    /// An empty registry.
    public init() {}

    /// The local backends: `memory`, `file` and `dummy`, also under Django's
    /// dotted class paths.
    public static var standard: CacheBackendRegistry {
        var registry = CacheBackendRegistry()
        registry.register("memory", aliases: ["locmem", "django.core.cache.backends.locmem.LocMemCache"], options: [
            "maxEntries",
            "cullFrequency",
            "maxBytes",
            "policy",
            "shards",
        ]) { context in
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
                        throw options.error("policy", "'\(name)' is not a policy; the valid policies are \(MemoryCachePolicy.validNames)")
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
                throw options.error("policy", "'\(configuration.policy)' cannot apply: the memory location '\(backend.location)' is "
                    + "already open with policy '\(backend.policy)'; give this alias another location or the same policy")
            }
            return backend
        }
        registry.register("file", aliases: ["filebased", "django.core.cache.backends.filebased.FileBasedCache"], options: [
            "maxEntries",
            "cullFrequency",
        ]) { context in
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
        registry.register("dummy", aliases: ["django.core.cache.backends.dummy.DummyCache"], options: []) { context in
            try context.options.finish()
            return DummyCacheBackend()
        }
        return registry
    }

    /// Registers a backend factory under a name (and optional other names).
    /// `options` declares the option names the backend accepts: any other is an
    /// error naming its JSON path before the factory runs. Leave it `nil` to
    /// have ``CacheOptions/finish()`` check instead which options were read.
    public mutating func register(
        _ name: String, aliases: [String] = [], options: [String]? = nil, factory: @escaping CacheBackendFactory
    ) {
        let entry = Entry(name: name, factory: factory, options: options)
        for registered in [name] + aliases {
            factories[registered] = entry
            missing[registered] = nil
        }
    }

    /// Makes a settings file that names one of `names` fail with `explanation`
    /// (for a backend left out of this build, saying how to put it in) rather
    /// than with the generic "not in this registry".
    public mutating func explainMissing(_ names: [String], _ explanation: String) {
        for name in names where factories[name] == nil { missing[name] = explanation }
    }

    /// The option names a registered backend declared, if it did.
    public func optionNames(of backend: String) -> [String]? {
        factories[backend]?.options
    }

    /// The backends of the package outside `Caching`, by the module that
    /// registers them, for the error that meets one missing from a registry.
    static let packageBackends: [(names: [String], module: String)] = [
        (["sqlite", "sqlite3", "django.core.cache.backends.db.DatabaseCache"], "SQLiteCaching"),
        (["postgres", "postgresql"], "PostgresCaching"),
        (["redis", "django.core.cache.backends.redis.RedisCache"], "RedisCaching"),
        (["near"], "RedisCaching"),
        (["memcached", "django.core.cache.backends.memcached.PyMemcacheCache",
          "django.core.cache.backends.memcached.PyLibMCCache"], "MemcachedCaching"),
    ]

    /// Registers a key function that settings can name in `keyFunction`.
    public mutating func registerKeyFunction(_ name: String, _ function: CacheKeyFunction) {
        keyFunctions[name] = function
    }

    /// The registered backend names, sorted.
    public var backendNames: [String] { factories.keys.sorted() }

    /// Builds the ``Cache`` of one alias. `backendOfAlias` gives the backends
    /// of the other aliases (``Caches`` passes it); without it a backend layered
    /// over another alias cannot be built.
    public func makeCache(
        alias: String, configuration: CacheConfiguration, logger: Logger,
        backendOfAlias: ((String) throws -> any CacheBackend)? = nil
    ) throws -> Cache {
        let path = "caches.\(alias)"
        guard let entry = factories[configuration.backend] else {
            throw unknownBackend(configuration.backend, at: path + ".backend")
        }
        var keyFunction = configuration.keyFunction
        if keyFunction == nil, let name = configuration.keyFunctionName {
            guard let registered = keyFunctions[name] else {
                let suggestion = SettingsMembers.suggestion(for: name, among: keyFunctions.keys).map { "did you mean \"\($0)\"? " } ?? ""
                throw CacheConfigurationError(
                    "unknown key function \"\(name)\"; \(suggestion)register it in code with "
                        + "CacheBackendRegistry.registerKeyFunction(\"\(name)\", ...) and pass that registry to Caches",
                    path: path + ".keyFunction")
            }
            keyFunction = registered
        }
        if let declared = entry.options {
            try SettingsMembers.check(configuration.options.keys, known: declared, at: path + ".options", kind: "option")
        }
        var backendLogger = logger
        backendLogger[metadataKey: "cache.alias"] = .string(alias)
        let options = CacheOptions(
            alias: alias, backend: configuration.backend, values: configuration.options, declared: entry.options ?? [])
        let backend: any CacheBackend
        do {
            let lookup = backendOfAlias ?? { other in
                throw CacheConfigurationError(
                    "the backend \"\(configuration.backend)\" needs the alias '\(other)'; build the caches with Caches(settings:registry:), "
                        + "which knows every alias")
            }
            backend = try entry.factory(CacheBackendContext(
                alias: alias, configuration: configuration, options: options, logger: backendLogger, backendOfAlias: lookup))
        } catch let error as CacheConfigurationError {
            throw error.atPath(path)
        }
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

    /// The error for a backend name this registry lacks: a near miss is named,
    /// and one of the package's other backends points to the module and to
    /// `CacheBackendRegistry.allBackends`, which has every backend.
    private func unknownBackend(_ name: String, at path: String) -> CacheConfigurationError {
        if let explanation = missing[name] {
            return CacheConfigurationError("the backend \"\(name)\" is not available: \(explanation)", path: path)
        }
        let registered = Set(factories.values.map(\.name)).sorted()
        if let module = Self.packageBackends.first(where: { $0.names.contains(name) })?.module {
            return CacheConfigurationError(
                "the backend \"\(name)\" is not in this registry (it has \(registered.joined(separator: ", "))); "
                    + "use CacheBackendRegistry.allBackends from the CachingBackends module, which has every backend of the package "
                    + "(Caches(settings: settings, registry: .allBackends)), or add it with the register function of \(module)",
                path: path)
        }
        let known = registered + Self.packageBackends.compactMap { $0.names.first }.filter { !registered.contains($0) }
        if let suggestion = SettingsMembers.suggestion(for: name, among: known) {
            return CacheConfigurationError("unknown backend \"\(name)\"; did you mean \"\(suggestion)\"?", path: path)
        }
        return CacheConfigurationError(
            "unknown backend \"\(name)\"; the registered backends are \(registered.joined(separator: ", ")) "
                + "(CacheBackendRegistry.allBackends in CachingBackends has every backend of the package; register your own with register(_:))",
            path: path)
    }
}
