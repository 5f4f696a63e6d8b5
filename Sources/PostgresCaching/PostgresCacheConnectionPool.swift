import Logging
import PostgresNIO
import Synchronization

/// A pool of connections to one PostgreSQL server: postgres-nio's
/// `PostgresClient`, opened on first use and run in a task of its own.
///
/// Every ``PostgresCacheBackend`` makes its own unless given one: share one
/// between several caches on the same server to bound the connections they open
/// together. ``close()`` stops the client; the next use opens a new one.
public final class PostgresCacheConnectionPool: Sendable {
    /// The server.
    public let url: PostgresConnectionURL
    private let maxConnections: Int
    private let connectTimeout: Duration
    private let logger: Logger
    private let state = Mutex<(client: PostgresClient, runner: Task<Void, Never>)?>(nil)
    /// A client the application runs itself; never closed here.
    private let external: PostgresClient?

    /// A pool of at most `maxConnections` connections to `url`.
    public init(url: PostgresConnectionURL, maxConnections: Int = 10, connectTimeout: Duration = .seconds(5),
                logger: Logger = Logger(label: "swift-caching.postgres")) {
        self.url = url
        self.maxConnections = maxConnections
        self.connectTimeout = connectTimeout
        self.logger = logger
        self.external = nil
    }

    /// Wraps a client the application already runs (`client.run()`) and closes;
    /// `url` must name the same server (it appears in errors).
    public init(client: PostgresClient, url: PostgresConnectionURL) {
        self.url = url
        self.maxConnections = 0
        self.connectTimeout = .zero
        self.logger = Logger(label: "swift-caching.postgres")
        self.external = client
    }

    /// The running client.
    var client: PostgresClient {
        if let external { return external }
        return state.withLock { state in
            if let running = state { return running.client }
            var configuration = url.configuration
            configuration.options.maximumConnections = maxConnections
            configuration.options.connectTimeout = connectTimeout
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let runner = Task { await client.run() }
            state = (client, runner)
            return client
        }
    }

    /// Stops the client and closes its connections; a later use reconnects.
    public func close() async {
        let running = state.withLock { state in
            defer { state = nil }
            return state
        }
        guard let running else { return }
        running.runner.cancel()
        await running.runner.value
    }

    deinit {
        state.withLock { $0?.runner.cancel() }
    }
}

/// Remembers that the table was created on first use, so it is done once.
final class TableCreationGate: Sendable {
    private let done = Atomic<Bool>(false)

    var isDone: Bool { done.load(ordering: .acquiring) }

    func markDone() { done.store(true, ordering: .releasing) }
}
