import Caching

extension CacheBackendRegistry {
    /// Makes the PostgreSQL backend available to settings as `postgres` (also
    /// `postgresql`). Django's `django.core.cache.backends.db.DatabaseCache` names
    /// the SQLite backend (see `registerSQLiteBackend()` in SQLiteCaching),
    /// because Django's default database is SQLite; name `postgres` for this one.
    ///
    /// The settings' `location` is the table name. Options: `url` (required unless
    /// the environment variable named by `urlEnvironment` holds it; a
    /// `postgres://user:password@host:port/database` URL), `replicaUrl` (reads go
    /// there, writes to `url`), `maxEntries` (300), `cullFrequency` (3),
    /// `createTable` (false), `maxConnections` (10), `timeout` (seconds a whole
    /// call may take, connecting included, 5), `maxValueBytes`, `failureMode`
    /// (`"error"`, the default, or `"miss"`: see `CacheFailureMode`),
    /// and the circuit breaker's `breakerThreshold` (3), `breakerCoolDown` (0.25)
    /// and `breakerMaxCoolDown` (1 second).
    ///
    /// ```json
    /// { "caches": { "default": { "backend": "postgres", "location": "cache_table",
    ///     "options": { "url": "postgres://app:secret@127.0.0.1:5432/app" } } } }
    /// ```
    public mutating func registerPostgresBackend() {
        register("postgres", aliases: ["postgresql"], options: [
            "url",
            "urlEnvironment",
            "replicaUrl",
            "timeout",
            "maxEntries",
            "cullFrequency",
            "createTable",
            "maxConnections",
            "maxValueBytes",
            "failureMode",
            "breakerThreshold",
            "breakerCoolDown",
            "breakerMaxCoolDown",
        ]) { context in
            let options = context.options
            let table = context.configuration.location
            guard !table.isEmpty else {
                throw CacheConfigurationError(
                    "Cache '\(context.alias)' (backend 'postgres') needs a 'location': the name of the cache table")
            }
            var urlText = try options.string("url")
            if let variable = try options.string("urlEnvironment") {
                urlText = urlText ?? ProcessEnvironment.value(variable)
            }
            guard let urlText else {
                throw options.error("url", "is required: a postgres://user:password@host:5432/database URL")
            }
            let url: PostgresConnectionURL
            do {
                url = try PostgresConnectionURL(urlText)
            } catch let error as CacheConfigurationError {
                throw options.error("url", "is not usable: \(error.message)")
            }
            let replica: PostgresConnectionURL?
            do {
                replica = try options.string("replicaUrl").map { try PostgresConnectionURL($0) }
            } catch let error as CacheConfigurationError {
                throw options.error("replicaUrl", "is not usable: \(error.message)")
            }
            let timeout = try options.seconds("timeout", default: 5)
            let configuration = PostgresCacheBackend.Configuration(
                url: url,
                table: table,
                replicaURL: replica,
                maxEntries: try options.int("maxEntries", default: 300),
                cullFrequency: try options.int("cullFrequency", default: 3, minimum: 0),
                createTable: try options.bool("createTable") ?? false,
                maxConnections: try options.int("maxConnections", default: 10, minimum: 1),
                timeout: timeout,
                maxValueBytes: try options.int("maxValueBytes", default: (1 << 30) - 1, minimum: 1),
                failureMode: try options.failureMode(),
                breaker: try options.circuitBreaker()
            )
            try options.finish()
            return PostgresCacheBackend(configuration: configuration, logger: context.logger)
        }
    }
}

/// Reads the process environment (for URLs kept out of settings files).
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let pointer = getenv(name) else { return nil }
        return String(cString: pointer)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
