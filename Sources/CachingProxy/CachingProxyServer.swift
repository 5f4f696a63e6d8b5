import Caching
import HTTPCaching
import Hummingbird
import Logging

/// `caching-proxy`'s server: a Hummingbird application whose one responder puts
/// the shared-cache mode in front of an upstream origin.
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

    /// A proxy on `host:port` in front of `upstream`.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, upstream: UpstreamOrigin, cache: Cache,
        configuration: SharedCacheConfiguration = SharedCacheConfiguration(),
        logger: Logger = Logger(label: "caching-proxy")
    ) {
        self.host = host
        self.port = port
        self.upstream = upstream
        self.cache = cache
        self.configuration = configuration
        self.logger = logger
    }

    /// The Hummingbird application; `onServerRunning` receives the bound port.
    public func application(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let shared = SharedHTTPCache(cache: cache, configuration: configuration, logger: logger)
        return Application(
            responder: CachingProxyResponder(shared: shared, upstream: upstream),
            configuration: .init(address: .hostname(host, port: port), serverName: "caching-proxy"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
