import NIOCore

/// Flush coalescing and the deadline timer of a pipelined connection: the one
/// implementation the Redis and memcached channel handlers share.
///
/// - A request written on an idle connection is flushed at once; one written
///   while others are in flight waits for the end of the event-loop tick, so
///   every request of the tick leaves in one `write` system call.
/// - One timer per connection is armed for the earliest pending deadline;
///   when it fires the handler checks its queue (``armTimer(context:at:onFire:)``).
///
/// Must be used on the channel's event loop only.
package final class PipelineScheduler {
    private var flushScheduled = false
    private var armedDeadline: NIODeadline?

    /// A scheduler with nothing pending.
    package init() {}

    /// Flushes now when the written request is the only one in flight,
    /// otherwise at the end of the tick.
    package func flushAfterWrite(context: ChannelHandlerContext, inFlight: Int) {
        if inFlight == 1 && !flushScheduled {
            context.flush()
        } else if !flushScheduled {
            flushScheduled = true
            context.eventLoop.assumeIsolated().execute {
                self.flushScheduled = false
                context.flush()
            }
        }
    }

    /// Makes sure a timer fires by `deadline`: arms one unless one is armed
    /// for an earlier time. `onFire` runs on the event loop; it should fail
    /// what has expired and re-arm for the earliest remaining deadline.
    package func armTimer(context: ChannelHandlerContext, at deadline: NIODeadline, onFire: @escaping () -> Void) {
        if let armed = armedDeadline, armed <= deadline { return }
        armedDeadline = deadline
        context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            if self.armedDeadline == deadline { self.armedDeadline = nil }
            onFire()
        }
    }
}

@available(*, unavailable)
extension PipelineScheduler: Sendable {}
