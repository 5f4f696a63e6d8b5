import NIOCore

/// A `TaskExecutor` that runs a task's jobs on one NIO event loop.
///
/// Why: a task that only writes to a channel on that loop and waits for its
/// reply does all its work there when it prefers this executor — the write
/// needs no hop to the loop, and the reply resumes the task where it
/// arrived, instead of waking a thread of Swift's global executor. On a
/// small machine, where an idle core must be woken for every hop, a
/// PostgreSQL call whose statements run in a task of their own (see
/// `PostgresCacheConnection`) saves two thread wake-ups per call this way.
///
/// Only for short work that never blocks: everything else the loop serves
/// (other connections' I/O) waits while a job runs.
package final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    package let eventLoop: any EventLoop

    /// An executor for `eventLoop`.
    package init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
