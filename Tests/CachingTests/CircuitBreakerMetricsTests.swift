import Caching
import CachingTestSupport
import Foundation
import MetricsTestKit
import Testing

/// The circuit breaker's metrics, read through swift-metrics' test factory:
/// the names the README documents, with the `alias`, `backend` and `server`
/// labels, and a state gauge that follows every transition.
@Suite("Circuit breaker metrics")
struct CircuitBreakerMetricsTests {
    static let state = "swift_caching_backend_breaker_state"
    static let failures = "swift_caching_backend_failures_total"
    static let rejected = "swift_caching_backend_rejected_total"
    static let dimensions = [("alias", "sessions"), ("backend", "test"), ("server", "server:1")]

    @Test("state, failures and rejections are emitted with their labels, through open, half-open and closed")
    func emitted() async throws {
        let metrics = TestMetrics()
        let breaker = CircuitBreaker(
            backend: "test", server: "server:1",
            settings: CircuitBreakerSettings(
                failureThreshold: 3, coolDown: .milliseconds(50), maxCoolDown: .milliseconds(100), alias: "sessions"),
            probeTimeout: .seconds(10), logger: LogCapture().logger, metrics: metrics)
        let gauge = try metrics.expectGauge(Self.state, Self.dimensions)
        #expect(gauge.lastValue == 0)

        for _ in 0..<3 { breaker.failed("refused") }
        #expect(try metrics.expectCounter(Self.failures, Self.dimensions).totalValue == 3)
        #expect(gauge.lastValue == 2)
        for _ in 0..<2 { _ = breaker.admit() }
        #expect(try metrics.expectCounter(Self.rejected, Self.dimensions).totalValue == 2)

        // A failed probe: half-open, then open again.
        try await Task.sleep(for: .milliseconds(120))
        #expect(breaker.admit() == .probe)
        #expect(gauge.lastValue == 1)
        breaker.failed("refused")
        #expect(gauge.lastValue == 2)
        #expect(try metrics.expectCounter(Self.failures, Self.dimensions).totalValue == 4)

        // A successful probe closes it.
        try await Task.sleep(for: .milliseconds(220))
        #expect(breaker.admit() == .probe)
        breaker.succeeded()
        #expect(gauge.lastValue == 0)
        #expect(gauge.values == [0, 2, 1, 2, 1, 0])
        #expect(breaker.admit() == .allowed)
        #expect(try metrics.expectCounter(Self.rejected, Self.dimensions).totalValue == 2)
    }

    @Test("the metric names are the ones the README documents")
    func documented() throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for name in [Self.state, Self.failures, Self.rejected] {
            #expect(text.contains("`\(name)`"), "README.md does not document \(name)")
        }
        #expect(text.contains("labels `alias`, `backend`, `server`"))
    }
}
