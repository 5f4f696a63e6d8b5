import Hummingbird
import HummingbirdCore
import NIOCore

extension HTTPServerBuilder {
    /// Hummingbird's HTTP/1 server with the page cache's hits answered at the
    /// connection (``HotPathHandler``), before the router: the one switch that
    /// turns the fast path on for an app.
    ///
    /// ```swift
    /// let responder = try CachingResponder(router.buildResponder(), settings: pageSettings, caches: caches)
    /// let app = Application(responder: responder, server: .http1(servingHitsFrom: responder, serverName: "myapp"))
    /// ```
    ///
    /// `serverName` must be the application's `ApplicationConfiguration.serverName`
    /// (hits carry the same `Server` field as every other response). With the
    /// hot tier off (`hotStoreBytes` 0) this is the plain HTTP/1 server.
    public static func http1<Responder: HTTPResponder>(
        servingHitsFrom responder: CachingResponder<Responder>, serverName: String? = nil,
        configuration: HTTP1Channel.Configuration = .init()
    ) -> HTTPServerBuilder where Responder.Context: RequestContext {
        var hotPath = responder.hotPath
        hotPath?.serverName = serverName
        return .http1(configuration: configuration.servingHits(hotPath))
    }
}

extension HTTP1Channel.Configuration {
    /// This configuration with a ``HotPathHandler`` answering `hotPath`'s hits,
    /// placed after Hummingbird's own connection-state handler on the first
    /// read (`nil`: unchanged). For servers built without ``CachingResponder``,
    /// such as `caching-proxy`'s.
    public func servingHits(_ hotPath: HotPathResponder?) -> HTTP1Channel.Configuration {
        guard let hotPath else { return self }
        var configuration = self
        let others = additionalChannelHandlers
        configuration.additionalChannelHandlers = {
            let extra = others()
            let handler: any RemovableChannelHandler = HotPathInstaller(hotPath, onlyHandlerAfterCodec: extra.isEmpty)
            return extra + [handler]
        }
        return configuration
    }
}
