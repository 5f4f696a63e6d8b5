import Caching
import CachingProxy
import CachingMetricsEndpoint
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import Testing

/// The value of the series of `name` whose labels include every `labels`
/// pair, read from a Prometheus text exposition; `nil` if absent.
func scraped(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
        guard labels.allSatisfy({ line.contains("\($0.key)=\"\($0.value)\"") }),
              let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
        return value
    }
    return nil
}

/// A router with a cacheable page, a private page and a POST route.
func metricsTestRouter() -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/page") { _, _ in
        Response(status: .ok, headers: [.cacheControl: "max-age=60"], body: .init(byteBuffer: ByteBuffer(string: "page")))
    }
    router.get("/private") { _, _ in
        Response(status: .ok, headers: [.cacheControl: "private"], body: .init(byteBuffer: ByteBuffer(string: "mine")))
    }
    router.post("/page") { request, _ in
        // Read the body, or the connection is closed after the response.
        _ = try await request.body.collect(upTo: 1024)
        return Response(status: .ok)
    }
    return router
}

@Suite("/metrics endpoint", .timeLimit(.minutes(2)))
struct MetricsEndpointTests {
    /// The demo's wiring (`caching-demo`): a site-wide page cache answering
    /// hits at the connection, `/metrics` outside it, every cache reporting
    /// to one registry.
    func withApp(
        mode: HTTPCacheSettings.Mode, _ body: @Sendable (any TestClientProtocol, String) async throws -> Void
    ) async throws {
        let endpoint = PrometheusMetricsEndpoint(registry: PrometheusCollectorRegistry())
        let alias = "scrape-\(mode.rawValue)"
        let caches = try Caches(
            settings: CacheSettings(caches: [
                "default": CacheConfiguration(backend: "memory", location: "scrape-" + UUID().uuidString),
                alias: CacheConfiguration(backend: "memory", location: "scrape-" + UUID().uuidString),
            ]),
            instrumentation: CacheInstrumentation(metrics: endpoint.factory))
        var settings = HTTPCacheSettings()
        settings.mode = mode
        settings.cache = alias
        settings.hotStoreStaleness = 60
        let caching = try CachingResponder(metricsTestRouter().buildResponder(), settings: settings, caches: caches)
        var logger = Logger(label: "metrics-endpoint-tests")
        logger.logLevel = .critical
        let app = Application(
            responder: endpoint.wrapping(caching),
            server: .http1(servingHitsFrom: caching, serverName: "metrics-test"),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: logger)
        try await app.test(.live) { client in try await body(client, alias) }
    }

    @Test("after N requests for one page, /metrics shows 1 miss and N-1 hits; private pages and POSTs are counted by kind",
          arguments: [HTTPCacheSettings.Mode.django, .shared])
    func scrape(mode: HTTPCacheSettings.Mode) async throws {
        try await withApp(mode: mode) { client, alias in
            let requests = 6
            for _ in 0..<requests {
                try await client.execute(uri: "/page", method: .get) { response in #expect(response.status == .ok) }
            }
            for _ in 0..<2 {
                try await client.execute(uri: "/private", method: .get) { response in #expect(response.status == .ok) }
            }
            try await client.execute(uri: "/page", method: .post, body: ByteBuffer(string: "form")) { response in
                #expect(response.status == .ok)
            }
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                return String(buffer: response.body)
            }
            let labels = ["alias": alias, "mode": mode.rawValue]
            let outcome = { (name: String) in scraped(text, "swift_caching_page_requests_total", labels.merging(["outcome": name]) { $1 }) }
            #expect(outcome("miss") == 1)
            #expect(outcome("hit") == Double(requests - 1))
            #expect(outcome("uncacheable") == 2)
            #expect(outcome("bypassed") == 1)
            #expect(scraped(text, "swift_caching_page_uncacheable_total", labels.merging(["reason": "private"]) { $1 }) == 2)
            // The backend calls behind them: timed per operation, no errors.
            #expect(scraped(text, "swift_caching_operation_duration_seconds_count", ["alias": alias, "operation": "set"]) ?? 0 >= 1)
            #expect(scraped(text, "swift_caching_operation_errors_total", ["alias": alias]) == nil)
            // A scrape is not a page-cache request.
            let again = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(scraped(again, "swift_caching_page_requests_total", labels.merging(["outcome": "uncacheable"]) { $1 }) == 2)
        }
    }

    @Test("--no-metrics serves no /metrics; --metrics-port moves it off the main port")
    func flags() throws {
        let off = try MetricsOptions.parse(["--no-metrics"])
        #expect(off.makeEndpoint() == nil)
        #expect(try MetricsOptions.parse([]).makeEndpoint() != nil)
        let moved = try MetricsOptions.parse(["--metrics-port", "9999"])
        let endpoint = PrometheusMetricsEndpoint(registry: PrometheusCollectorRegistry())
        #expect(moved.mainPortEndpoint(endpoint) == nil)
        #expect(moved.metricsPort == 9999)
        let same = try MetricsOptions.parse([])
        #expect(same.mainPortEndpoint(endpoint) != nil)
    }
}

@Suite("Metric names are documented")
struct MetricDocumentationTests {
    static let names = [
        "swift_caching_gets_total", "swift_caching_operation_duration_seconds", "swift_caching_operation_errors_total",
        "swift_caching_evictions_total", "swift_caching_culls_total", "swift_caching_entries", "swift_caching_bytes",
        "swift_caching_pool_connections", "swift_caching_pool_size", "swift_caching_pool_connects_total",
        "swift_caching_backend_breaker_state", "swift_caching_backend_failures_total", "swift_caching_backend_rejected_total",
        "swift_caching_page_requests_total", "swift_caching_page_uncacheable_total",
    ]

    @Test("every metric name, outcome and uncacheable reason is in the README and the Operations article")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for document in ["README.md", "Sources/Caching/Documentation.docc/Operations.md"] {
            let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
            for name in Self.names {
                #expect(text.contains("`\(name)`"), "\(document) does not document \(name)")
            }
            for label in PageCacheOutcome.allCases.map(\.rawValue) + PageCacheUncacheableReason.allCases.map(\.rawValue) {
                #expect(text.contains("`\(label)`"), "\(document) does not document the label value \(label)")
            }
        }
    }
}

@Suite("caching-proxy /metrics", .timeLimit(.minutes(1)))
struct ProxyMetricsTests {
    @Test("the proxy answers /metrics itself, before the cache and the upstream, with the shared cache's outcomes")
    func proxyScrape() async throws {
        let endpoint = PrometheusMetricsEndpoint(registry: PrometheusCollectorRegistry())
        let cache = Cache(alias: "proxy-scrape", backend: MemoryCacheBackend(location: "proxy-scrape-" + UUID().uuidString))
            .instrumented(CacheInstrumentation(metrics: endpoint.factory))
        // Nothing listens on port 9 (discard): every upstream request fails, so
        // a GET is a miss answered 502, and only the proxy itself can answer /metrics.
        let responder = CachingProxyResponder(
            shared: SharedHTTPCache(cache: cache), upstream: UpstreamOrigin(baseURL: "http://127.0.0.1:9", timeout: .seconds(2)),
            metrics: endpoint)
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/page", method: .get) { response in #expect(response.status == .badGateway) }
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
            #expect(scraped(text, "swift_caching_page_requests_total", ["alias": "proxy-scrape", "mode": "shared", "outcome": "miss"]) == 1)
            #expect(scraped(text, "swift_caching_page_requests_total", ["alias": "proxy-scrape", "outcome": "hit"]) == 0)
        }
    }
}
