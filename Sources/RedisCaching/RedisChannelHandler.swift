import Caching
import NIOCore

/// The NIO handler of one Redis connection: writes commands, reads replies and
/// hands each reply to the request that is waiting for it.
///
/// Redis answers in the order it was asked, so pending requests are a FIFO and
/// any number of them can be on the wire at once (pipelining). Writes submitted
/// while others are in flight share one flush at the end of the event-loop
/// tick, so concurrent callers on one connection cost one system call per
/// batch, not one per command; a write on an idle connection is flushed at once.
///
/// Flushing and the deadline timer are `PipelineScheduler`'s. Each
/// request carries the deadline of its whole call (see
/// `ServerConnectionPool`), so the wait for a reply ends when the
/// call's time is up, not a full command timeout after the request was queued.
///
/// When something breaks the order — a reply nobody asked for, bytes that are
/// not RESP, a reply that does not come by its deadline — every pending
/// request fails and the connection is closed; the pool replaces it.
final class RedisChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Who is waiting for replies, and for how many.
    enum Waiter: Sendable {
        case one(CheckedContinuation<RESPValue, any Error>)
        case many(CheckedContinuation<[RESPValue], any Error>, expected: Int, replies: [RESPValue])
        /// The connection's own handshake, on the event loop (no task hop, so
        /// a busy task pool cannot stretch a connect).
        case promise(EventLoopPromise<[RESPValue]>, expected: Int, replies: [RESPValue])

        func fail(_ error: RedisError) {
            switch self {
            case .one(let continuation): continuation.resume(throwing: error)
            case .many(let continuation, _, _): continuation.resume(throwing: error)
            case .promise(let promise, _, _): promise.fail(error)
            }
        }
    }

    private struct Pending {
        var waiter: Waiter
        let deadline: NIODeadline
    }

    private let commandTimeout: TimeAmount
    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    private var context: ChannelHandlerContext?
    private var replies = RESPReplyBuffer()
    private let scheduler = PipelineScheduler()
    /// Set once the connection is unusable; later requests fail with it at once.
    private var failure: RedisError?

    init(commandTimeout: TimeAmount) {
        self.commandTimeout = commandTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(.connectionClosed("the connection handler was removed"), context: nil)
        self.context = nil
    }

    /// Sends `bytes` (one or more encoded commands) and registers `waiter` for
    /// their replies, due by `deadline`. Must run on the channel's event loop.
    func enqueue(_ bytes: ByteBuffer, waiter: Waiter, deadline: NIODeadline) {
        if let failure {
            waiter.fail(failure)
            return
        }
        guard let context else {
            waiter.fail(.connectionClosed("the connection is not open"))
            return
        }
        pending.append(Pending(waiter: waiter, deadline: deadline))
        context.write(wrapOutboundOut(bytes), promise: nil)
        scheduler.flushAfterWrite(context: context, inFlight: pending.count)
        scheduler.armTimer(context: context, at: deadline) { self.checkDeadlines() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try replies.read(unwrapInboundIn(data)) { value throws(RedisError) in try deliver(value) }
        } catch {
            failAll(error, context: context)
        }
    }

    private func deliver(_ value: RESPValue) throws(RedisError) {
        guard var head = pending.first else {
            throw .protocolError("a reply arrived that no request was waiting for")
        }
        switch head.waiter {
        case .one(let continuation):
            pending.removeFirst()
            continuation.resume(returning: value)
        case .many(let continuation, let expected, var replies):
            replies.append(value)
            if replies.count == expected {
                pending.removeFirst()
                continuation.resume(returning: replies)
            } else {
                head.waiter = .many(continuation, expected: expected, replies: replies)
                pending[pending.startIndex] = head
            }
        case .promise(let promise, let expected, var replies):
            replies.append(value)
            if replies.count == expected {
                pending.removeFirst()
                promise.succeed(replies)
            } else {
                head.waiter = .promise(promise, expected: expected, replies: replies)
                pending[pending.startIndex] = head
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed("the server closed the connection"), context: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let redisError = (error as? RedisError) ?? .connectionClosed("\(error)")
        failAll(redisError, context: context)
    }

    /// Fails every pending request and, when `context` is given, closes the connection.
    private func failAll(_ error: RedisError, context: ChannelHandlerContext?) {
        if failure == nil { failure = error }
        let waiting = pending
        pending.removeAll()
        for request in waiting { request.waiter.fail(error) }
        context?.close(promise: nil)
    }

    /// Fails everything once a pending request is past its deadline (its
    /// reply may still come, and would be paired with the wrong request);
    /// otherwise re-arms for the earliest deadline.
    private func checkDeadlines() {
        guard let context, !pending.isEmpty else { return }
        let now = NIODeadline.now()
        var earliest = NIODeadline.distantFuture
        for request in pending { earliest = min(earliest, request.deadline) }
        if earliest <= now {
            let seconds = Double(commandTimeout.nanoseconds) / 1e9
            failAll(.timeout("no reply within the \(seconds) s timeout; the connection was closed"), context: context)
        } else {
            scheduler.armTimer(context: context, at: earliest) { self.checkDeadlines() }
        }
    }
}
