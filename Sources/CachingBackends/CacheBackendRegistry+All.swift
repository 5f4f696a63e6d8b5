import Caching
import MemcachedCaching
#if PostgreSQL
import PostgresCaching
#endif
import RedisCaching
import SQLiteCaching

extension CacheBackendRegistry {
    /// Every backend of the package: memory, file and dummy, SQLite, Redis,
    /// the near cache (a memory tier over another alias), Memcached, and PostgreSQL when the package's `PostgreSQL` trait is on.
    /// Executables that read a settings file (the demo, `caching-proxy`) build
    /// their caches with it, so any configured backend works.
    ///
    /// PostgreSQL is a trait because its client stack (postgres-nio and
    /// swift-nio-ssl's BoringSSL) is a large part of a first build that most
    /// apps do not need; without the trait a settings file naming it gets an
    /// error that says how to turn it on.
    public static var allBackends: CacheBackendRegistry {
        var registry = CacheBackendRegistry.standard
        registry.registerSQLiteBackend()
        #if PostgreSQL
        registry.registerPostgresBackend()
        #else
        registry.explainMissing(
            ["postgres", "postgresql"],
            "PostgreSQL is not built into this program: build it with the package's PostgreSQL trait "
                + "(swift run --traits PostgreSQL ..., or traits: [\"PostgreSQL\"] on the swift-caching dependency), "
                + "or register it yourself with registerPostgresBackend() from PostgresCaching")
        #endif
        registry.registerRedisBackend()
        registry.registerNearBackend()
        registry.registerMemcachedBackend()
        return registry
    }
}
