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
        ]) { context in
            let options = context.options
            let urls = CacheConfiguration.serverLocations(in: context.configuration.location)
            guard !urls.isEmpty else {
                throw CacheConfigurationError(
                    "Cache '\(context.alias)' (backend 'redis') needs a 'location': one or more redis://host:port/db URLs")
            }
            var servers: [RedisEndpoint] = []
            for url in urls {
                do {
                    servers.append(try RedisEndpoint(url: url))
                } catch {
                    throw CacheConfigurationError("Cache '\(context.alias)': \(error)")
                }
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
                servers: servers, client: client, namespace: namespace, clearScope: scope,
                maxValueBytes: try options.int("maxValueBytes", default: 512 * 1024 * 1024, minimum: 1),
                failureMode: try options.failureMode())
            try options.finish()
            return try RedisCacheBackend(configuration: configuration, logger: context.logger)
        }
    }
}
