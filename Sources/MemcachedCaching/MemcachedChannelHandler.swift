import Logging
import NIOCore

/// A request on its way to the channel handler, with the promise its replies
/// complete.
struct MemcachedOutboundRequest: Sendable {
    let request: MemcachedRequest
    let promise: EventLoopPromise<[MemcachedReply]>
}

/// Pipelining on one connection: requests are written as they come, and a FIFO
/// of pending requests pairs each reply with the request it answers (memcached
/// answers in order).
///
/// Every pending request has a deadline (the command timeout). Any failure —
/// a timeout, a reply no pending request can take, a decoding error, the
/// connection closing — fails every pending request and closes the
/// connection: after it, replies could be paired with the wrong requests. The
/// connection pool opens a new connection on the next use.
final class MemcachedChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = MemcachedReply
    typealias OutboundIn = MemcachedOutboundRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        let id: UInt64
        let request: MemcachedRequest
        var replies: [MemcachedReply] = []
        let promise: EventLoopPromise<[MemcachedReply]>
        var deadline: Scheduled<Void>?
    }

    private let server: MemcachedServer
    private let commandTimeout: TimeAmount
    private let logger: Logger
    private var queue = CircularBuffer<Pending>(initialCapacity: 16)
    private var nextID: UInt64 = 0
    /// Set once the connection is unusable; later requests fail at once.
    private var failure: MemcachedClientError?

    init(server: MemcachedServer, commandTimeout: TimeAmount, logger: Logger) {
        self.server = server
        self.commandTimeout = commandTimeout
        self.logger = logger
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outbound = unwrapOutboundIn(data)
        if let failure {
            outbound.promise.fail(failure.notSent())
            promise?.fail(failure)
            return
        }
        let id = nextID
        nextID &+= 1
        let deadline = context.eventLoop.assumeIsolated().scheduleTask(in: commandTimeout) { [self] in
            self.timedOut(id: id, context: context)
        }
        queue.append(Pending(id: id, request: outbound.request, promise: outbound.promise, deadline: deadline))
        context.write(wrapOutboundOut(outbound.request.bytes), promise: promise)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard failure == nil else { return }
        guard var head = queue.first else {
            fail(context: context, kind: .protocolError,
                 "the server sent '\(reply.summary)' when no request was waiting; closing the connection")
            return
        }
        let request = head.request
        let complete: Bool
        switch (request.completion, reply) {
        case (.noop, .noop), (.end, .end):
            complete = true
        default:
            guard request.kind(at: head.replies.count).accepts(reply) else {
                let hint = reply == .error
                    ? " (the server does not know the command: the meta protocol needs memcached 1.6 or later)"
                    : ""
                fail(context: context, kind: .protocolError,
                     "unexpected reply '\(reply.summary)' to '\(request.name)'\(hint); closing the connection")
                return
            }
            head.replies.append(reply)
            if case .replies(let count) = request.completion { complete = head.replies.count >= count } else { complete = false }
        }
        if complete {
            queue.removeFirst()
            head.deadline?.cancel()
            head.promise.succeed(head.replies)
        } else {
            queue[queue.startIndex] = head
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if failure == nil {
            failAll(MemcachedClientError(kind: .connectionClosed, server: server, message: "the connection was closed"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? MemcachedProtocolError {
            fail(context: context, kind: .protocolError, "\(error.message); closing the connection")
        } else {
            fail(context: context, kind: .connectionClosed, "the connection failed: \(error)")
        }
    }

    // MARK: Failure

    private func timedOut(id: UInt64, context: ChannelHandlerContext) {
        guard failure == nil, queue.contains(where: { $0.id == id }) else { return }
        let seconds = Double(commandTimeout.nanoseconds) / 1e9
        fail(context: context, kind: .commandTimeout,
             "no reply within \(seconds) s; closing the connection")
    }

    /// Fails every pending request and closes the connection.
    private func fail(context: ChannelHandlerContext, kind: MemcachedClientError.Kind, _ message: String) {
        guard failure == nil else { return }
        logger.warning("memcached connection failed", metadata: ["memcached.server": "\(server)", "error": "\(message)"])
        failAll(MemcachedClientError(kind: kind, server: server, message: message))
        context.close(promise: nil)
    }

    private func failAll(_ error: MemcachedClientError) {
        failure = error
        while let pending = queue.popFirst() {
            pending.deadline?.cancel()
            pending.promise.fail(error)
        }
    }
}

@available(*, unavailable)
extension MemcachedChannelHandler: Sendable {}
