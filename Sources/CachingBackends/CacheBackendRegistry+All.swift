import Caching
import MemcachedCaching
import PostgresCaching
import RedisCaching
import SQLiteCaching

extension CacheBackendRegistry {
    /// Every backend of the package: memory, file and dummy, SQLite,
    /// PostgreSQL, Redis and Memcached. Executables that read a settings file (the demo,
    /// `caching-proxy`) build their caches with it, so any configured backend works.
    public static var allBackends: CacheBackendRegistry {
        var registry = CacheBackendRegistry.standard
        registry.registerSQLiteBackend()
        registry.registerPostgresBackend()
        registry.registerRedisBackend()
        registry.registerMemcachedBackend()
        return registry
    }
}
