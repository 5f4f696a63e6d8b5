import Metrics

/// The gauges and counter of one server's connection pool (Redis, memcached,
/// PostgreSQL), with the dimensions of its circuit breaker
/// (`alias`, `backend`, `server`).
///
/// Why: a pool that keeps reconnecting, or runs with fewer connections than
/// configured, is the first sign of a flapping server or a bad setting.
///
/// - `swift_caching_pool_connections{alias, backend, server}`: connections open now;
/// - `swift_caching_pool_size{alias, backend, server}`: the most it may hold;
/// - `swift_caching_pool_connects_total{alias, backend, server}`: connections
///   opened or tried (a rising count with a steady `connections` means reconnects).
package struct ConnectionPoolMetrics: Sendable {
    private let connections: Gauge
    private let size: Gauge
    private let connects: Counter

    /// Handles for one server's pool.
    package init(dimensions: [(String, String)], factory: any MetricsFactory) {
        connections = Gauge(label: "swift_caching_pool_connections", dimensions: dimensions, factory: factory)
        size = Gauge(label: "swift_caching_pool_size", dimensions: dimensions, factory: factory)
        connects = Counter(label: "swift_caching_pool_connects_total", dimensions: dimensions, factory: factory)
    }

    /// Records the pool's capacity.
    package func sized(_ count: Int) { size.record(count) }
    /// Records the connections open now.
    package func open(_ count: Int) { connections.record(count) }
    /// Counts a connection attempt.
    package func connecting() { connects.increment() }
}
