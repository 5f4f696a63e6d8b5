import Synchronization

/// Whether a backend was shut down for good (``CacheBackend/closePermanently()``):
/// the one check every network and SQL backend makes before a call, through
/// ``CacheFailureHandler``, so that a call after shutdown fails with one
/// typed error instead of quietly opening a new connection pool that nobody
/// will close.
package final class CacheShutdownLatch: Sendable {
    private let closed = Atomic<Bool>(false)
    private let backend = CacheLock<String>("")

    /// A latch that is open (the backend runs).
    package init() {}

    /// Whether ``shutDown(backend:)`` was called.
    package var isShutDown: Bool { closed.load(ordering: .acquiring) }

    /// Shuts the latch for good; returns `false` when it was already shut,
    /// so a backend closes its pools once.
    @discardableResult
    package func shutDown(backend name: String) -> Bool {
        backend.withLock { $0 = name }
        return closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    /// Throws ``CacheError/unavailable(backend:reason:message:)`` with
    /// ``CacheUnavailableReason/shutDown`` once the latch is shut.
    @inline(__always)
    package func check() throws(CacheError) {
        guard isShutDown else { return }
        throw Self.error(backend: backend.withLock { $0 })
    }

    /// The error of a call made after its backend was shut down.
    package static func error(backend: String) -> CacheError {
        .unavailable(
            backend: backend, reason: .shutDown,
            message: "the cache was shut down (the application is stopping), so it takes no more calls; "
                + "stop the HTTP server and background work before the caches (run CachesService before the server "
                + "in the ServiceGroup, so that it shuts down after it)")
    }
}
