import Logging
import NIOCore

/// Several memcached servers used as one: each key belongs to one server,
/// chosen on a ``KetamaRing``, and each server has its own
/// ``MemcachedConnectionPool``.
///
/// The client routes and transports; what the replies mean is the backend's
/// business.
final class MemcachedClient: Sendable {
    let servers: [MemcachedServer]
    let pools: [MemcachedConnectionPool]
    private let ring: KetamaRing

    init(servers: [MemcachedServer], settings: MemcachedConnectionPool.Settings, logger: Logger) {
        self.servers = servers
        ring = KetamaRing(servers: servers)
        pools = servers.map { MemcachedConnectionPool(server: $0, settings: settings, logger: logger) }
    }

    /// The index of the server that holds `key`.
    func serverIndex(for key: String) -> Int {
        servers.count == 1 ? 0 : ring.server(for: key)
    }

    /// The keys grouped by the server that holds them, each with its position
    /// in `keys`.
    func partition(_ keys: [String]) -> [Int: [(position: Int, key: String)]] {
        var groups: [Int: [(position: Int, key: String)]] = [:]
        for (position, key) in keys.enumerated() {
            groups[serverIndex(for: key), default: []].append((position, key))
        }
        return groups
    }

    /// Closes every connection; the next request reconnects.
    func close() async {
        for pool in pools { await pool.close() }
    }

    /// Closes every connection for good: requests after this fail.
    func closePermanently() async {
        for pool in pools { await pool.closePermanently() }
    }
}
