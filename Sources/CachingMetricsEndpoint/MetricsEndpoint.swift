import ArgumentParser
import Hummingbird
import Metrics
import Prometheus

/// `/metrics` in Prometheus text format, for `caching-demo` and
/// `caching-proxy`: what swift-caching records through swift-metrics, read
/// from a swift-prometheus registry.
///
/// Why a module of its own: the libraries only record through swift-metrics
/// and never depend on Prometheus; an executable picks the exposition.
public struct PrometheusMetricsEndpoint: Sendable {
    /// The registry the endpoint prints.
    public let registry: PrometheusCollectorRegistry
    /// The path it answers (`/metrics`).
    public let path: String

    /// An endpoint printing `registry` at `path`.
    public init(registry: PrometheusCollectorRegistry, path: String = "/metrics") {
        self.registry = registry
        self.path = path
    }

    /// A factory recording into ``registry``, to bootstrap `MetricsSystem`
    /// with or to pass to one cache (`Cache.instrumented`).
    public var factory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: registry) }

    /// Whether `request` is a scrape (GET or HEAD of ``path``).
    public func matches(_ request: Request) -> Bool {
        (request.method == .get || request.method == .head) && request.uri.path == path
    }

    /// The scrape's answer: the registry in text format 0.0.4, never stored
    /// by a cache on the way.
    public func response() -> Response {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    /// A responder that answers scrapes and passes every other request to
    /// `inner`: placed outside the page cache, so scrapes are not page-cache
    /// requests.
    public func wrapping<Inner: HTTPResponder>(_ inner: Inner) -> MetricsResponder<Inner> {
        MetricsResponder(endpoint: self, inner: inner)
    }

    /// A server on its own port that answers only scrapes.
    public func application(host: String, port: Int) -> some ApplicationProtocol {
        let router = Router()
        let endpoint = self
        router.get(RouterPath(path)) { _, _ in endpoint.response() }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "metrics"))
    }
}

/// Answers ``PrometheusMetricsEndpoint`` scrapes, and passes every other
/// request on.
public struct MetricsResponder<Inner: HTTPResponder>: HTTPResponder {
    /// The request context of the wrapped responder.
    public typealias Context = Inner.Context
    /// The endpoint; `nil`: every request passes on.
    public let endpoint: PrometheusMetricsEndpoint?
    /// Where other requests go.
    public let inner: Inner

    /// Scrapes of `endpoint` answered, the rest passed to `inner`.
    public init(endpoint: PrometheusMetricsEndpoint?, inner: Inner) {
        self.endpoint = endpoint
        self.inner = inner
    }

    /// Answers one request.
    public func respond(to request: Request, context: Context) async throws -> Response {
        if let endpoint, endpoint.matches(request) { return endpoint.response() }
        return try await inner.respond(to: request, context: context)
    }
}

/// The executables' metrics flags: `--no-metrics`, `--metrics-port`.
public struct MetricsOptions: ParsableArguments, Sendable {
    /// Serve no `/metrics` and record nothing (swift-metrics' no-op default).
    @Flag(help: "Do not serve /metrics (and record no metrics).")
    public var noMetrics = false

    /// Serve `/metrics` on this port instead of the main one.
    @Option(help: "Serve /metrics on this port instead of the main port.")
    public var metricsPort: Int?

    /// Flags as parsed.
    public init() {}

    /// Bootstraps `MetricsSystem` with a Prometheus registry (before any
    /// cache is built: swift-metrics handles are made then) and returns the
    /// endpoint, or `nil` with `--no-metrics`.
    public func bootstrap() -> PrometheusMetricsEndpoint? {
        guard let endpoint = makeEndpoint() else { return nil }
        MetricsSystem.bootstrap(endpoint.factory)
        return endpoint
    }

    /// A new endpoint on a new registry, or `nil` with `--no-metrics`;
    /// ``bootstrap()`` without touching `MetricsSystem` (which can be
    /// bootstrapped once per process), for tests and apps that pass the
    /// factory to their caches themselves.
    public func makeEndpoint() -> PrometheusMetricsEndpoint? {
        noMetrics ? nil : PrometheusMetricsEndpoint(registry: PrometheusCollectorRegistry())
    }

    /// `inner`, also answering scrapes on the main port unless metrics are
    /// off or on their own port.
    public func responder<Inner: HTTPResponder>(
        _ inner: Inner, endpoint: PrometheusMetricsEndpoint?
    ) -> MetricsResponder<Inner> {
        MetricsResponder(endpoint: metricsPort == nil ? endpoint : nil, inner: inner)
    }

    /// The endpoint the main port answers scrapes with: `endpoint` unless
    /// metrics are on their own port.
    public func mainPortEndpoint(_ endpoint: PrometheusMetricsEndpoint?) -> PrometheusMetricsEndpoint? {
        metricsPort == nil ? endpoint : nil
    }

    /// Runs `body` (the main server) with the metrics server on
    /// ``metricsPort`` alongside it, if one is asked for; it stops when
    /// `body` returns or throws.
    public func runAlongside(
        _ endpoint: PrometheusMetricsEndpoint?, host: String, _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        guard let endpoint, let metricsPort else { return try await body() }
        let metricsServer = endpoint.application(host: host, port: metricsPort)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await metricsServer.run() }
            group.addTask { try await body() }
            // The first to finish (the main server) ends both.
            try await group.next()
            group.cancelAll()
        }
    }
}
