import Caching
import Synchronization

/// What the fetch step decided for one request, for the update step to read:
/// Django's `request._cache_update_cache` flag.
///
/// The update step (``PageCache/update(_:adapter:next:)``) creates a ticket and
/// runs the rest of the chain with it as a task-local value; the fetch step
/// (``PageCache/fetch(_:adapter:next:)``), wherever the app placed it inside,
/// marks it. Django carries the flag on the request object; a task-local keeps
/// the steps free of any framework's request or context type. A request that
/// never passed a fetch step is not stored, as in Django.
public final class PageCacheTicket: Sendable {
    /// The ticket of the innermost update step around the current task.
    @TaskLocal public static var current: PageCacheTicket?

    private struct State {
        var update = false
        /// A stampede flight this request leads, to end once it is stored.
        var flight: (group: SingleFlight<Bool>, key: String)?
    }

    private let state = CacheLock(State())

    /// A ticket no fetch step has marked yet.
    public init() {}

    /// Whether a fetch step missed and asked for the response to be stored.
    public var wantsUpdate: Bool { state.withLock { $0.update } }

    /// Django's `_cache_update_cache = True`.
    func markUpdate() { state.withLock { $0.update = true } }

    /// Django's `_cache_update_cache = False` (a hit, or a method not cached).
    func markSkip() { state.withLock { $0.update = false } }

    /// Records the flight this request leads.
    func lead(_ group: SingleFlight<Bool>, key: String) {
        state.withLock { $0.flight = (group, key) }
    }

    /// Ends the flight this request leads, if any, telling the waiters whether
    /// a page was stored for them to find.
    func endFlight(stored: Bool) {
        let flight = state.withLock { state -> (group: SingleFlight<Bool>, key: String)? in
            defer { state.flight = nil }
            return state.flight
        }
        if let flight { flight.group.finish(flight.key, stored) }
    }
}
