import Foundation
import Caching
import NIOCore

extension CacheBackendRegistry {
    /// Makes the Redis backend available to settings as `redis`, and as Django's
    /// `django.core.cache.backends.redis.RedisCache`.
    ///
    /// `location` is one or more `redis://[[user]:password@]host[:port][/db]`
    /// URLs, separated by `;` or `,` or given as a list: the first is the
    /// primary (every write), the others replicas that reads are spread over.
    /// Options: `connectTimeout` and `timeout` (seconds, 5 each),
    /// `connectionsPerServer` (2), `namespace` (prepended to every key on the
    /// server), `clear` (`"prefix"` or `"database"`), `maxValueBytes`,
    /// `failureMode` (`"error"`, the default, or `"miss"`: see
    /// `CacheFailureMode`), and the circuit breaker's
    /// `breakerThreshold` (3), `breakerCoolDown` (0.25) and `breakerMaxCoolDown`
    /// (1 second). `timeout` bounds each whole call, connecting included.
    ///
    /// `clear` deletes only this cache's keys when it can tell them apart: the
    /// namespace's keys, or — with a `keyPrefix` and the default key function —
    /// the keys under `<keyPrefix>:`. Otherwise it is Django's `FLUSHDB`, which
    /// wipes the whole database; `"clear": "database"` asks for that explicitly.
    ///
    /// ```json
    /// { "caches": { "default": { "backend": "redis", "keyPrefix": "myapp",
    ///     "location": ["redis://:secret@10.0.0.1:6379/0", "redis://:secret@10.0.0.2:6379/0"] } } }
    /// ```
    ///
    /// **Redis Cluster**: `"cluster": true` makes `location` a list of seed
    /// nodes (`redis://host:port` URLs, or plain `host:port`), any of which
    /// can give the slot map; `"readFromReplicas": true` sends reads to
    /// replicas. **Redis Sentinel**: `"sentinels"` (a list of `host:port`) and
    /// `"masterName"` find the primary; `location` is then optional, a
    /// `redis://` URL whose user, password and database are used on it.
    public mutating func registerRedisBackend() {
        register("redis", aliases: ["django.core.cache.backends.redis.RedisCache"], options: [
            "connectTimeout",
            "timeout",
            "connectionsPerServer",
            "namespace",
            "clear",
            "maxValueBytes",
            "failureMode",
            "breakerThreshold",
            "breakerCoolDown",
            "breakerMaxCoolDown",
            "cluster",
            "readFromReplicas",
            "sentinels",
            "masterName",
        ]) { context in
            let options = context.options
            let topology = try Self.redisTopology(options)
            let urls = CacheConfiguration.serverLocations(in: context.configuration.location)
            guard !urls.isEmpty || topology != .primaryAndReplicas else {
                throw CacheConfigurationError(
                    "Cache '\(context.alias)' (backend 'redis') needs a 'location': one or more redis://host:port/db URLs")
            }
            var servers: [RedisEndpoint] = []
            for url in urls {
                do {
                    // Seed nodes may be given as host:port.
                    let full = topology != .primaryAndReplicas && !url.contains("://") ? "redis://" + url : url
                    servers.append(try RedisEndpoint(url: full))
                } catch {
                    throw CacheConfigurationError("Cache '\(context.alias)': \(error)")
                }
            }
            if case .cluster = topology, let selecting = servers.first(where: { $0.database != 0 }) {
                throw CacheConfigurationError(
                    "Cache '\(context.alias)': \(selecting) selects database \(selecting.database), but a Redis Cluster has only database 0; drop the /\(selecting.database) from the location")
            }
            if case .sentinel = topology, servers.count > 1 {
                throw CacheConfigurationError(
                    "Cache '\(context.alias)': with 'sentinels', 'location' is at most one redis:// URL (its user, password and database are used on the primary the sentinels name); list the sentinels in 'sentinels'")
            }
            let client = RedisClient.Configuration(
                connectTimeout: TimeAmount(try options.seconds("connectTimeout", default: 5)),
                commandTimeout: TimeAmount(try options.seconds("timeout", default: 5)),
                connectionsPerServer: try options.int("connectionsPerServer", default: 2, minimum: 1),
                breaker: try options.circuitBreaker())
            let namespace = try options.string("namespace") ?? ""
            let prefix = context.configuration.keyPrefix
            let usesDefaultKeys = context.configuration.keyFunction == nil && context.configuration.keyFunctionName == nil
            let scope: RedisCacheBackend.ClearScope
            switch try options.string("clear") {
            case "database"?:
                scope = .database
            case nil, "prefix"?:
                if !namespace.isEmpty {
                    scope = .prefix(namespace)
                } else if !prefix.isEmpty && usesDefaultKeys {
                    scope = .prefix(prefix + ":")
                } else {
                    if !prefix.isEmpty {
                        context.logger.warning(
                            "clear() on this Redis cache runs FLUSHDB: with a custom key function its keys cannot be told apart; set the 'namespace' option to limit it")
                    }
                    scope = .database
                }
            case let other?:
                throw options.error("clear", "must be \"prefix\" or \"database\", not \"\(other)\"")
            }
            let configuration = RedisCacheBackend.Configuration(
                servers: servers, topology: topology, client: client, namespace: namespace, clearScope: scope,
                maxValueBytes: try options.int("maxValueBytes", default: 512 * 1024 * 1024, minimum: 1),
                failureMode: try options.failureMode())
            try options.finish()
            return try RedisCacheBackend(configuration: configuration, logger: context.logger)
        }
    }

    /// The `cluster`, `readFromReplicas`, `sentinels` and `masterName` options.
    private static func redisTopology(_ options: CacheOptions) throws -> RedisCacheBackend.Topology {
        let cluster = try options.bool("cluster") ?? false
        let replicas = try options.bool("readFromReplicas")
        let sentinels = try options.strings("sentinels")
        let masterName = try options.string("masterName")
        if cluster {
            if sentinels != nil || masterName != nil {
                throw options.error("cluster", "cannot be combined with 'sentinels'/'masterName': a Redis Cluster fails over by itself; use one or the other")
            }
            return .cluster(readFromReplicas: replicas ?? false)
        }
        if replicas != nil {
            throw options.error("readFromReplicas", "applies to a Redis Cluster only; add \"cluster\": true, or list replicas after the primary in 'location'")
        }
        guard let sentinels else {
            if masterName != nil { throw options.error("masterName", "needs 'sentinels': a list such as [\"10.0.0.1:26379\", \"10.0.0.2:26379\"]") }
            return .primaryAndReplicas
        }
        guard let masterName, !masterName.isEmpty else {
            throw options.error("sentinels", "needs 'masterName': the name in the sentinels' `sentinel monitor <name> …` line, such as \"mymaster\"")
        }
        guard !sentinels.isEmpty else { throw options.error("sentinels", "is empty; list at least one sentinel as \"host:port\"") }
        var nodes: [RedisSlotMap.Node] = []
        for sentinel in sentinels {
            guard let node = RedisSlotMap.Node(parsing: sentinel) else {
                throw options.error("sentinels", "has \"\(sentinel)\", which is not host:port (such as \"10.0.0.1:26379\")")
            }
            nodes.append(node)
        }
        return .sentinel(sentinels: nodes, masterName: masterName)
    }
}
