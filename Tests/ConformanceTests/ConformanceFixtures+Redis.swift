import Caching
import Foundation
import RedisCaching
import Synchronization

extension BackendFixture {
    /// Generous timeouts, as the memcached fixture's: a loaded CI machine
    /// (every suite starting at once) must not turn into failures.
    static let redisClient = RedisClient.Configuration(connectTimeout: .seconds(10), commandTimeout: .seconds(10))

    /// The Redis backend on `REDIS_URL` (default: the loopback test server).
    /// Each store token is a namespace on the server, so checks running in
    /// parallel stay apart and `clear` exercises the namespace-only `SCAN`
    /// deletion rather than `FLUSHDB`. Expiry is the server's, so the
    /// lifetime checks sleep for real.
    static let redis = BackendFixture(name: "redis", culling: nil) { options in
        let url = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        let configuration = RedisCacheBackend.Configuration(
            servers: [try RedisEndpoint(url: url)], client: redisClient, namespace: "conformance:\(options.store):")
        return options.cache(on: try RedisCacheBackend(configuration: configuration))
    }
}

extension BackendFixture {
    /// The Redis backend on the loopback Redis Cluster (`REDIS_CLUSTER_SEEDS`,
    /// default 127.0.0.1:7000-7002, started by `scripts/services.sh`): keys
    /// spread over three primaries, multi-key calls split by slot, `clear`
    /// on every primary.
    static let redisCluster = BackendFixture(name: "redis-cluster", culling: nil) { options in
        let seeds = ProcessInfo.processInfo.environment["REDIS_CLUSTER_SEEDS"] ?? "127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002"
        let configuration = RedisCacheBackend.Configuration(
            servers: try seeds.split(separator: ",").map { try RedisEndpoint(url: "redis://\($0)") },
            topology: .cluster(readFromReplicas: false), client: redisClient, namespace: "conformance-cluster:\(options.store):")
        return options.cache(on: try RedisCacheBackend(configuration: configuration))
    }
}

extension BackendFixture {
    /// The near cache over the Redis backend, invalidated through Redis
    /// pub/sub (a channel per store token). Caches of one store token share
    /// one near cache, as the aliases of one process do; its memory tier
    /// keeps copies once the channel listens, so the checks run against both
    /// tiers.
    static let nearRedis = BackendFixture(name: "near-redis", culling: nil) { options in
        options.cache(on: try NearFixtureStores.shared.backend(for: options.store))
    }
}

/// One near cache per store token, for ``BackendFixture/nearRedis``.
final class NearFixtureStores: Sendable {
    static let shared = NearFixtureStores()
    private let stores = Mutex<[String: NearCacheBackend]>([:])

    func backend(for store: String) throws -> NearCacheBackend {
        let url = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        let endpoint = try RedisEndpoint(url: url)
        return try stores.withLock { stores in
            if let near = stores[store] { return near }
            let backing = try RedisCacheBackend(configuration: .init(
                servers: [endpoint], client: BackendFixture.redisClient, namespace: "conformance-near:\(store):"))
            let near = NearCacheBackend(
                backing: backing, channel: RedisInvalidationChannel(endpoint: endpoint, channelName: "conformance-near:\(store)"))
            stores[store] = near
            return near
        }
    }
}
