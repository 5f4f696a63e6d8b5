import Caching
import CachingMetricsEndpoint
import HTTPCaching
import Hummingbird
import HummingbirdCaching
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// `caching-proxy`'s server: an HTTP/1.1 server whose one responder puts the
/// shared-cache mode in front of an upstream origin.
///
/// It runs Hummingbird's HTTP server directly rather than an `Application`:
/// an `Application` writes its own `Date` (and `Server`) over every response,
/// and a proxy must pass the origin's on — a stored response's `Date` is what
/// its age is computed from downstream (RFC 9110 §6.6.1, RFC 9111 §4.2.3).
/// The shared cache adds a `Date` only to a response that has none.
public struct CachingProxyServer: Sendable {
    /// Where the proxy listens.
    public var host: String
    /// The port it listens on (0: any free port).
    public var port: Int
    /// The upstream.
    public var upstream: UpstreamOrigin
    /// The cache responses are kept in.
    public var cache: Cache
    /// The shared-cache settings.
    public var configuration: SharedCacheConfiguration
    /// The proxy's logger.
    public var logger: Logger
    /// The byte budget of the in-process hot tier fresh hits are answered
    /// from at the connection (`HotPathHandler`); 0: no
    /// hot tier, every request takes the full path.
    public var hotStoreBytes: Int
    /// The longest, in seconds, a response stays in the hot tier: the
    /// staleness bound when several proxies share a network backend.
    public var hotStoreStaleness: Double
    /// Answers `/metrics` scrapes on the proxy's port (before the cache);
    /// `nil`: none.
    public var metrics: PrometheusMetricsEndpoint? = nil

    /// A proxy on `host:port` in front of `upstream`.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, upstream: UpstreamOrigin, cache: Cache,
        configuration: SharedCacheConfiguration = SharedCacheConfiguration(),
        hotStoreBytes: Int = HTTPCacheSettings.defaultHotStoreBytes, hotStoreStaleness: Double = 1,
        logger: Logger = Logger(label: "caching-proxy")
    ) {
        self.host = host
        self.port = port
        self.upstream = upstream
        self.cache = cache
        self.configuration = configuration
        self.hotStoreBytes = hotStoreBytes
        self.hotStoreStaleness = hotStoreStaleness
        self.logger = logger
    }

    /// The server as a service; `onServerRunning` receives the bound port.
    public func service(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> CachingProxyService {
        let hotStore = hotStoreBytes > 0 && hotStoreStaleness > 0
            ? HotResponseStore(
                byteBudget: hotStoreBytes, staleness: hotStoreStaleness, location: cache.alias, metrics: cache.metricsFactory)
            : nil
        let shared = SharedHTTPCache(cache: cache, configuration: configuration, hotStore: hotStore, logger: logger)
        // A proxy passes the origin's Date on and adds no Server field; a HEAD
        // keeps the stored Content-Length (CachingProxyResponder).
        var hotPath: HotPathResponder? = hotStore == nil ? nil : .shared(shared, headKeepsLength: true)
        hotPath?.stampsDate = false
        return CachingProxyService(
            host: host, port: port, responder: CachingProxyResponder(shared: shared, upstream: upstream, metrics: metrics),
            hotPath: hotPath, logger: logger, onServerRunning: onServerRunning)
    }
}

/// The running form of ``CachingProxyServer``: a service-lifecycle `Service`.
public struct CachingProxyService: Service {
    let host: String
    let port: Int
    let responder: CachingProxyResponder
    let hotPath: HotPathResponder?
    let logger: Logger
    let onServerRunning: @Sendable (Int) async -> Void

    /// Serves until cancelled or shut down gracefully.
    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let onServerRunning = self.onServerRunning
        let server = try HTTPServerBuilder.http1(configuration: HTTP1Channel.Configuration().servingHits(hotPath)).buildServer(
            configuration: ServerConfiguration(address: .hostname(host, port: port)),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            responder: { (request: Request, writer: consuming ResponseWriter, channel: any Channel) in
                let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                let response = try await responder.respond(to: request, context: context)
                try await writer.write(response: response.head, body: response.body)
            },
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) })
        try await server.run()
    }

    /// Runs the server in a service group that shuts it down gracefully on
    /// `gracefulShutdownSignals`: it stops accepting connections, lets the
    /// requests in flight finish, and then shuts `caches` down (their pools
    /// closed), so that no request in flight loses its cache.
    public func runService(gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint], caches: Caches? = nil) async throws {
        // A group shuts its services down last first: the server, then the caches.
        let services: [any Service] = (caches.map { [CachesService($0, logger: logger)] } ?? []) + [self]
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
        try await group.run()
    }
}
