import Caching
import Logging
import ServiceLifecycle

/// An application's caches as a swift-service-lifecycle `Service`: it waits
/// for the graceful shutdown (SIGTERM, SIGINT) of its `ServiceGroup`, then
/// shuts every alias's backend down (`Caches.shutdown(logger:)`:
/// Redis, memcached, PostgreSQL and SQLite pools closed for good).
///
/// With Hummingbird, one line:
///
/// ```swift
/// app.addServices(CachesService(caches))
/// ```
///
/// Order is what makes the shutdown graceful: a `ServiceGroup` shuts its
/// services down one at a time, last first, and Hummingbird's `Application`
/// puts its HTTP server last in its group. So on SIGTERM the server stops
/// accepting connections and lets its in-flight requests finish — they still
/// reach their caches — and only then the caches close. In a `ServiceGroup`
/// of your own, list `CachesService` before the server for the same reason.
///
/// If the group is cancelled instead (a service failed, a cancellation
/// signal), the caches are shut down all the same.
///
/// It lives in HummingbirdCaching, not in Caching, because Hummingbird
/// already depends on swift-service-lifecycle: a Hummingbird app pays nothing
/// for it, while the `Caching` core (and `cachectl`, and Vapor apps, whose
/// lifecycle is Vapor's own) stay free of it.
public struct CachesService: Service {
    /// The caches shut down at the end.
    public let caches: Caches
    private let logger: Logger

    /// A service that shuts `caches` down at graceful shutdown; failures
    /// to close a backend are logged to `logger`.
    public init(_ caches: Caches, logger: Logger = Logger(label: "swift-caching")) {
        self.caches = caches
        self.logger = logger
    }

    /// Waits for graceful shutdown (or cancellation), then shuts the caches down.
    public func run() async throws {
        // A CancellationError only says the wait was cut short: shut down all the same.
        try? await gracefulShutdown()
        logger.info("shutting the caches down", metadata: ["cache.aliases": "\(caches.aliases.joined(separator: ","))"])
        await caches.shutdown(logger: logger)
    }
}
