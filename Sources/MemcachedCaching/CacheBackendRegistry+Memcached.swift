import Caching

extension CacheBackendRegistry {
    /// Makes the memcached backend available to settings as `memcached`, and as
    /// Django's `django.core.cache.backends.memcached.PyMemcacheCache` and
    /// `django.core.cache.backends.memcached.PyLibMCCache`.
    ///
    /// The settings' `location` names the servers: `host:port`, or several
    /// separated by `;` or `,` (Django's list form), used as one cache with
    /// consistent hashing; `unix:/path` for a socket. Options: `connectTimeout`
    /// (seconds, 1), `timeout` (seconds a whole request may take, connecting
    /// included, 1), `failureMode` (`"error"`, the default, or `"miss"`: see
    /// `CacheFailureMode`), `connectionsPerServer` (1), and the
    /// circuit breaker's `breakerThreshold` (3), `breakerCoolDown` (0.25) and
    /// `breakerMaxCoolDown` (1 second); `retryInterval`, the older name of
    /// `breakerCoolDown`, is still read.
    ///
    /// ```json
    /// { "caches": { "default": {
    ///     "backend": "memcached",
    ///     "location": "10.0.0.1:11211;10.0.0.2:11211;10.0.0.3:11211",
    ///     "options": { "failureMode": "miss", "timeout": 0.5 } } } }
    /// ```
    public mutating func registerMemcachedBackend() {
        register("memcached", aliases: [
            "django.core.cache.backends.memcached.PyMemcacheCache",
            "django.core.cache.backends.memcached.PyLibMCCache",
        ], options: [
            "connectTimeout",
            "timeout",
            "retryInterval",
            "failureMode",
            "connectionsPerServer",
            "breakerThreshold",
            "breakerCoolDown",
            "breakerMaxCoolDown",
        ]) { context in
            let options = context.options
            let servers: [MemcachedServer]
            do {
                servers = try MemcachedServer.list(parsing: context.configuration.location)
            } catch let error as CacheConfigurationError {
                throw CacheConfigurationError(
                    "Cache '\(context.alias)' (backend 'memcached'): 'location' is not usable: \(error.message)")
            }
            let connectTimeout = try options.seconds("connectTimeout", default: 1)
            let timeout = try options.seconds("timeout", default: 1)
            let retryInterval = try options.double("retryInterval").map { _ in try options.seconds("retryInterval", default: 0, allowZero: true) }
            let failureMode = try options.failureMode()
            let breaker = try options.circuitBreaker(defaultCoolDown: retryInterval.map { max(0.001, $0 / .seconds(1)) } ?? 0.25)
            let connectionsPerServer = try options.int("connectionsPerServer", default: 1, minimum: 1)
            try options.finish()
            return MemcachedCacheBackend(
                configuration: MemcachedCacheBackend.Configuration(
                    servers: servers, connectTimeout: connectTimeout, timeout: timeout, failureMode: failureMode,
                    connectionsPerServer: connectionsPerServer, breaker: breaker),
                logger: context.logger)
        }
    }
}
