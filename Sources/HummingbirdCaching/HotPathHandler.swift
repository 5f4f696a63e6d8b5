import Caching
import HTTPCaching
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Answers fresh cache hits at the connection: a channel handler in
/// Hummingbird's HTTP/1 pipeline, after HTTP decoding and before the async
/// responder, that writes hits from the page cache's hot tier
/// (``HotPathResponder``) without a task switch, the router, a request
/// context or a backend read.
///
/// Why: a hit should be the cheapest response a server gives; through the full
/// path it costs more than the plainest route.
///
/// It only answers when its answer is the one the full path would give; every
/// other request passes on untouched, in order:
///
/// - only GET and HEAD without a body, `Expect` or `Upgrade`, and with
///   `Connection` absent, `keep-alive` or `close` (``HotPathResponder``);
///   the caching rules (which request a hit may answer, `Age`, 304/412, `Vary`
///   variants, debug fields) are the page cache's own;
/// - a request is held until its end has been read, and passes on if a body
///   part comes;
/// - HTTP/1.1 pipelining: while any request passed on earlier on this
///   connection is unanswered (its response's end not yet written), every
///   request passes on, so responses leave in request order (Hummingbird's
///   pipeline has no pipelining handler: its async loop answers in order);
/// - `Connection: close` closes the connection once the answer is written,
///   as Hummingbird does, and nothing read after it is answered;
/// - a connection whose writes back up (not writable) passes requests on, so
///   the async path's backpressure applies.
///
/// It sits after Hummingbird's `HTTPConnectionStateHandler`
/// (`HTTP1Channel.Configuration.servingHits(_:)` puts it there), so its
/// requests and answers count for `idleTimeout` and graceful shutdown.
///
/// An answer's head and body are written straight below
/// `HTTP1ToHTTPServerCodec`, as the HTTP/1 head the codec would have made
/// (kept with the connection's last answer, so a reused answer is not
/// converted again), and its end the normal way, through the state handler.
/// That is done only when the state handler is the one handler between this
/// one and the codec (`bypassesCodec`); with other handlers there, every part
/// goes through them.
public final class HotPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Request parts from Hummingbird's HTTP/1 codec.
    public typealias InboundIn = HTTPRequestPart
    /// Request parts passed on to Hummingbird.
    public typealias InboundOut = HTTPRequestPart
    /// Response parts from Hummingbird.
    public typealias OutboundIn = HTTPResponsePart
    /// Response parts to the codec.
    public typealias OutboundOut = HTTPResponsePart

    private let responder: HotPathResponder
    /// Requests passed on whose response's end has not been written.
    private var unanswered = 0
    /// A request head that may be answered here, waiting for its end.
    private var held: HTTPRequest?
    /// The connection closes after an answer here; later reads are dropped.
    private var closing = false
    /// Answers written since the last flush.
    private var unflushed = false
    /// This connection's `Date` value and last answer (``HotPathResponder``).
    private var memo = HotPathResponder.ConnectionMemo()
    /// Whether answers' heads and bodies may skip the handlers between this
    /// one and the codec (only Hummingbird's state handler, which ignores them).
    private let bypassesCodec: Bool
    /// The codec's context, where heads and bodies are written when
    /// `bypassesCodec`; found when this handler is added.
    private var codecContext: ChannelHandlerContext?

    /// A handler answering hits through `responder`; one per connection.
    public convenience init(_ responder: HotPathResponder) {
        self.init(responder, bypassesCodec: false)
    }

    /// A handler answering hits through `responder`; `bypassesCodec`: the
    /// only handler between this one and `HTTP1ToHTTPServerCodec` is
    /// Hummingbird's `HTTPConnectionStateHandler` (``HotPathInstaller`` knows).
    init(_ responder: HotPathResponder, bypassesCodec: Bool) {
        self.responder = responder
        self.bypassesCodec = bypassesCodec
    }

    /// Finds the codec's context, when answers may be written below it, and
    /// then asks the responder for answers' HTTP/1 heads.
    public func handlerAdded(context: ChannelHandlerContext) {
        guard bypassesCodec else { return }
        codecContext = try? context.pipeline.syncOperations.context(handlerType: HTTP1ToHTTPServerCodec.self)
        memo.http1Heads = codecContext != nil
    }

    /// Lets go of the codec's context.
    public func handlerRemoved(context: ChannelHandlerContext) {
        codecContext = nil
        memo.http1Heads = false
    }

    /// Holds, answers or passes on each request part.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            releaseHeld(context)
            if unanswered == 0, context.channel.isWritable, responder.mayAnswer(head) {
                held = head
            } else {
                pass(head, context)
            }
        case .body:
            releaseHeld(context)
            context.fireChannelRead(data)
        case .end(let trailers):
            if let request = held, trailers == nil {
                held = nil
                if let answer = responder.answer(request, memo: &memo) {
                    write(answer, for: request, context)
                    return
                }
                pass(request, context)
            } else {
                releaseHeld(context)
            }
            context.fireChannelRead(data)
        }
    }

    /// Flushes the answers written during this read.
    public func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Counts the responses the full path finishes.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), unanswered > 0 { unanswered -= 1 }
        context.write(data, promise: promise)
    }

    /// A decoding error reaches Hummingbird after the head it follows.
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        releaseHeld(context)
        context.fireErrorCaught(error)
    }

    /// Passes a held head on: the request goes the full way after all.
    private func releaseHeld(_ context: ChannelHandlerContext) {
        guard let request = held else { return }
        held = nil
        pass(request, context)
    }

    private func pass(_ head: HTTPRequest, _ context: ChannelHandlerContext) {
        unanswered += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// Writes an answer (framed and stamped by ``HotPathResponder``): head and
    /// body below the codec when it may, else through the pipeline; the end
    /// always through the pipeline, so the state handler counts the answer.
    private func write(_ answer: HotPathResponder.WireAnswer, for request: HTTPRequest, _ context: ChannelHandlerContext) {
        let body = request.method == .head ? nil : answer.body
        if let codecContext, let head = answer.head {
            codecContext.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
            if let body { codecContext.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil) }
        } else {
            context.write(wrapOutboundOut(.head(answer.response)), promise: nil)
            if let body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        }
        guard request.headerFields[.connection] == "close" else {
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            unflushed = true
            return
        }
        closing = true
        unflushed = false
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension HotPathHandler: Sendable {}
