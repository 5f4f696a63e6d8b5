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
    /// No other additional handler sits between the codec and Hummingbird's
    /// state handler, so the hot path may write answers below the codec.
    private let onlyHandlerAfterCodec: Bool
    private var installed = false

    /// `onlyHandlerAfterCodec`: this installer is the configuration's only
    /// additional channel handler.
    init(_ responder: HotPathResponder, onlyHandlerAfterCodec: Bool = false) {
        self.responder = responder
        self.onlyHandlerAfterCodec = onlyHandlerAfterCodec
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !installed {
            installed = true
            let pipeline = context.pipeline.syncOperations
            do {
                if let state = try? pipeline.context(handlerType: HTTPConnectionStateHandler.self) {
                    let handler = HotPathHandler(responder, bypassesCodec: onlyHandlerAfterCodec)
                    try pipeline.addHandler(handler, position: .after(state.handler))
                } else {
                    try pipeline.addHandler(HotPathHandler(responder), position: .after(self))
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
