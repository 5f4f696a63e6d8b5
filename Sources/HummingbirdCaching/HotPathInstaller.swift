import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Puts a ``HotPathHandler`` in the pipeline after Hummingbird's
/// `HTTPConnectionStateHandler`, then leaves.
///
/// Why: `HTTP1Channel.Configuration.additionalChannelHandlers` are placed
/// before that handler, which counts requests and responses for graceful
/// shutdown and `idleTimeout`. Placed after it, the hot path's requests and
/// answers pass through it like any other, so a connection served only from
/// the hot tier is not idle and is closed after its answers on shutdown. The
/// move happens on the first read, when the pipeline is complete.
final class HotPathInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let responder: HotPathResponder
    private var installed = false

    init(_ responder: HotPathResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !installed {
            installed = true
            let pipeline = context.pipeline.syncOperations
            let handler = HotPathHandler(responder)
            do {
                if let state = try? pipeline.context(handlerType: HTTPConnectionStateHandler.self) {
                    try pipeline.addHandler(handler, position: .after(state.handler))
                } else {
                    try pipeline.addHandler(handler, position: .after(self))
                }
            } catch {
                // Not installed: every request takes the full path.
            }
            context.fireChannelRead(data)
            pipeline.removeHandler(context: context, promise: nil)
            return
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension HotPathInstaller: Sendable {}
