import Caching
import Logging
import NIOCore

/// Pipelining on one connection: requests are written as they come, and a FIFO
/// of pending requests pairs each reply with the request it answers (memcached
/// answers in order).
///
/// Flush coalescing and the deadline timer are `PipelineScheduler`'s:
/// a request on an idle connection is flushed at once, the others of a tick
/// leave together. Every pending request carries the deadline of its whole
/// call (see `ServerConnectionPool`). Any failure —
/// a timeout, a reply no pending request can take, a decoding error, the
/// connection closing — fails every pending request and closes the
/// connection: after it, replies could be paired with the wrong requests. The
/// connection pool opens a new connection on the next use.
final class MemcachedChannelHandler: ChannelInboundHandler {
    typealias InboundIn = MemcachedReply
    typealias OutboundOut = ByteBuffer
    /// What a caller waits on: the replies to its request.
    typealias Waiter = CheckedContinuation<[MemcachedReply], any Error>

    private struct Pending {
        let request: MemcachedRequest
        var replies: [MemcachedReply] = []
        let waiter: Waiter
        let deadline: NIODeadline
    }

    private let server: MemcachedServer
    private let commandTimeout: TimeAmount
    private let logger: Logger
    private var queue = CircularBuffer<Pending>(initialCapacity: 16)
    private let scheduler = PipelineScheduler()
    /// Set once the connection is unusable; later requests fail at once.
    private var failure: MemcachedClientError?
    private var context: ChannelHandlerContext?

    init(server: MemcachedServer, commandTimeout: TimeAmount, logger: Logger) {
        self.server = server
        self.commandTimeout = commandTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Requests

    /// Writes `request` and registers `waiter` for its replies, due by
    /// `deadline`. Must run on the channel's event loop. Written straight from
    /// here (not through the pipeline's outbound path) so a request costs one
    /// closure hop, no boxing.
    func enqueue(_ request: MemcachedRequest, waiter: Waiter, deadline: NIODeadline) {
        if let failure {
            waiter.resume(throwing: failure.notSent())
            return
        }
        guard let context else {
            waiter.resume(throwing: MemcachedClientError(
                kind: .connectionClosed, server: server, message: "the connection is not open").notSent())
            return
        }
        queue.append(Pending(request: request, waiter: waiter, deadline: deadline))
        context.write(wrapOutboundOut(request.bytes), promise: nil)
        scheduler.flushAfterWrite(context: context, inFlight: queue.count)
        scheduler.armTimer(context: context, at: deadline) { self.checkDeadlines(context: context) }
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
            head.waiter.resume(returning: head.replies)
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

    /// Fails everything once a pending request is past its deadline (its
    /// replies may still come, and would be paired with the wrong request);
    /// otherwise re-arms for the earliest deadline.
    private func checkDeadlines(context: ChannelHandlerContext) {
        guard failure == nil, !queue.isEmpty else { return }
        var earliest = NIODeadline.distantFuture
        for pending in queue { earliest = min(earliest, pending.deadline) }
        if earliest <= .now() {
            let seconds = Double(commandTimeout.nanoseconds) / 1e9
            fail(context: context, kind: .commandTimeout, "no reply within the \(seconds) s timeout; closing the connection")
        } else {
            scheduler.armTimer(context: context, at: earliest) { self.checkDeadlines(context: context) }
        }
    }

    /// Fails every pending request and closes the connection.
    private func fail(context: ChannelHandlerContext, kind: MemcachedClientError.Kind, _ message: String) {
        guard failure == nil else { return }
        logger.debug("memcached connection failed", metadata: ["memcached.server": "\(server)", "error": "\(message)"])
        failAll(MemcachedClientError(kind: kind, server: server, message: message))
        context.close(promise: nil)
    }

    private func failAll(_ error: MemcachedClientError) {
        failure = error
        while let pending = queue.popFirst() {
            pending.waiter.resume(throwing: error)
        }
    }
}

@available(*, unavailable)
extension MemcachedChannelHandler: Sendable {}
