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
