import Caching
import Foundation
import RedisCaching

extension BackendFixture {
    /// The Redis backend on `REDIS_URL` (default: the loopback test server).
    /// Each store token is a namespace on the server, so checks running in
    /// parallel stay apart and `clear` exercises the namespace-only `SCAN`
    /// deletion rather than `FLUSHDB`. Expiry is the server's, so the
    /// lifetime checks sleep for real.
    static let redis = BackendFixture(name: "redis", culling: nil) { options in
        let url = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        let configuration = RedisCacheBackend.Configuration(
            servers: [try RedisEndpoint(url: url)], namespace: "conformance:\(options.store):")
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
            topology: .cluster(readFromReplicas: false), namespace: "conformance-cluster:\(options.store):")
        return options.cache(on: try RedisCacheBackend(configuration: configuration))
    }
}
