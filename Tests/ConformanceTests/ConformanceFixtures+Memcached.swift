import Caching
import Foundation
import MemcachedCaching
import Synchronization

extension BackendFixture {
    /// The memcached backend on `MEMCACHED_SERVERS` (default: the two loopback
    /// test servers, `127.0.0.1:11211,127.0.0.1:11212`), both used as one cache.
    ///
    /// memcached has no namespaces: `clear` is `flush_all` on every server, and
    /// the key checks expect the final keys `:1:<key>` without any per-check
    /// prefix. So the memcached checks run one at a time (the test is
    /// `.serialized`), and the first cache made for a store token flushes the
    /// servers, which gives each check an empty store as the other fixtures'
    /// fresh tokens do. Other tests that need a memcached of their own start one.
    static let memcached = BackendFixture(name: "memcached", culling: nil, rejectsInvalidKeys: true, acceptsClock: false) { options in
        let backend = try SharedMemcached.backend()
        if SharedMemcached.isFirstUse(of: options.store) {
            try await backend.clear()
        }
        return options.cache(on: backend)
    }
}

/// One backend for every memcached check in the process.
enum SharedMemcached {
    static let servers = ProcessInfo.processInfo.environment["MEMCACHED_SERVERS"] ?? "127.0.0.1:11211,127.0.0.1:11212"

    private static let shared: Result<MemcachedCacheBackend, any Error> = Result {
        // Generous timeouts: a loaded CI machine must not turn into failures.
        MemcachedCacheBackend(configuration: .init(
            servers: try MemcachedServer.list(parsing: servers), connectTimeout: .seconds(10), timeout: .seconds(10)))
    }

    private static let seenStores = CacheLock<Set<String>>([])

    static func backend() throws -> MemcachedCacheBackend {
        try shared.get()
    }

    /// Whether this is the first cache made for a store token.
    static func isFirstUse(of store: String) -> Bool {
        seenStores.withLock { $0.insert(store).inserted }
    }
}
