import Caching
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A pool of connections to one PostgreSQL server: postgres-nio's
/// `PostgresClient`, opened on first use and run in a task of its own, with
/// the server's circuit breaker.
///
/// Every ``PostgresCacheBackend`` makes its own unless given one: share one
/// between several caches on the same server to bound the connections they open
/// together (they then share the breaker too). ``close()`` stops the client;
/// the next use opens a new one.
///
/// The pooled client waits for a connection when the server cannot be
/// reached, without saying why. So alongside its first query, and again after
/// a call failed because the server could not be used, the pool opens one
/// connection by itself (one at a time, shared by the callers that arrive
/// meanwhile); if that fails, the calls fail at once with what it says:
/// connection refused, authentication failed, database or role missing —
/// instead of a timeout.
public final class PostgresCacheConnectionPool: Sendable {
    /// The server.
    public let url: PostgresConnectionURL
    private let maxConnections: Int
    private let connectTimeout: Duration
    private let synchronousCommit: Bool
    private let logger: Logger
    private let state = CacheLock<(client: PostgresClient, runner: Task<Void, Never>)?>(nil)
    /// A client the application runs itself; never closed here.
    private let external: PostgresClient?
    /// The server's circuit breaker.
    package let breaker: CircuitBreaker
    private let check = CacheLock<Check>(.needed)
    /// The check connection's configuration, made on the first check.
    private let checkConfiguration = CacheLock<PostgresConnection.Configuration?>(nil)
    private let attempts = Atomic<Int>(0)

    private enum Check {
        case needed
        case running(EventLoopFuture<Void>)
        case passed
    }

    /// A pool of at most `maxConnections` connections to `url`.
    ///
    /// With `synchronousCommit` off (the default) its sessions run with
    /// PostgreSQL's `synchronous_commit = off`: a write returns once it is in
    /// the server's memory, not after its WAL reaches the disk, so a cache
    /// write costs one round trip instead of one disk flush. If the server
    /// itself crashes, the writes of its last moments (at most about three
    /// `wal_writer_delay`s, 0.6 s by default) are lost; the table is never
    /// left inconsistent. For a cache that is a miss later, not wrong data.
    public init(url: PostgresConnectionURL, maxConnections: Int = 10, connectTimeout: Duration = .seconds(5),
                breaker: CircuitBreakerSettings = CircuitBreakerSettings(), synchronousCommit: Bool = false,
                logger: Logger = Logger(label: "swift-caching.postgres")) {
        self.url = url
        self.maxConnections = maxConnections
        self.connectTimeout = connectTimeout
        self.synchronousCommit = synchronousCommit
        self.logger = logger
        self.external = nil
        self.breaker = CircuitBreaker(
            backend: "postgres", server: url.description, settings: breaker, probeTimeout: connectTimeout * 2, logger: logger)
    }

    /// Wraps a client the application already runs (`client.run()`) and closes;
    /// `url` must name the same server (it appears in errors, and the pool
    /// connects to it to tell why the server cannot be used).
    public init(client: PostgresClient, url: PostgresConnectionURL, breaker: CircuitBreakerSettings = CircuitBreakerSettings()) {
        self.url = url
        self.maxConnections = 0
        self.connectTimeout = .seconds(5)
        self.synchronousCommit = true
        self.logger = Logger(label: "swift-caching.postgres")
        self.external = client
        self.breaker = CircuitBreaker(
            backend: "postgres", server: url.description, settings: breaker, probeTimeout: .seconds(10), logger: logger)
    }

    /// The running client.
    var client: PostgresClient {
        if let external { return external }
        return state.withLock { state in
            if let running = state { return running.client }
            var configuration = url.configuration
            configuration.options.maximumConnections = maxConnections
            configuration.options.connectTimeout = connectTimeout
            if !synchronousCommit { configuration.options.additionalStartupParameters.append(("synchronous_commit", "off")) }
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let runner = Task { await client.run() }
            state = (client, runner)
            return client
        }
    }

    /// Connection checks made so far (for tests: an open circuit makes none).
    package var connectAttempts: Int { attempts.load(ordering: .relaxed) }

    /// Whether the next call connects by itself first.
    var needsCheck: Bool { check.withLock { if case .passed = $0 { return false } else { return true } } }

    /// Forgets that the server was reachable: the next call checks first.
    func markUnchecked() {
        check.withLock { if case .passed = $0 { $0 = .needed } }
    }

    /// Marks the server reachable (a query succeeded).
    func markPassed() {
        check.withLock { if case .needed = $0 { $0 = .passed } }
    }

    /// Starts a check — one connection of the pool's own, opened and closed —
    /// or joins the one under way; `nil` when the server is known to be
    /// reachable. The future fails with what the server said, as a
    /// `CacheError` (see ``checkError(_:backend:)``).
    func startCheck(backend: String) throws -> EventLoopFuture<Void>? {
        guard needsCheck else { return nil }
        var configuration: PostgresConnection.Configuration
        do {
            configuration = try checkConfiguration.withLock { cached in
                if let cached { return cached }
                let made = try url.connectionConfiguration()
                cached = made
                return made
            }
        } catch {
            throw CacheError.backendFailure(backend: backend, message: "cannot set up TLS for PostgreSQL at \(url): \(error)")
        }
        configuration.options.connectTimeout = TimeAmount(connectTimeout)
        let checkConfiguration = configuration
        return check.withLock { check -> EventLoopFuture<Void>? in
            switch check {
            case .passed: return nil
            case .running(let future): return future
            case .needed:
                attempts.add(1, ordering: .relaxed)
                let loop = MultiThreadedEventLoopGroup.singleton.any()
                let future = PostgresConnection.connect(on: loop, configuration: checkConfiguration, id: 0, logger: logger)
                    .flatMap { connection in connection.close() }
                check = .running(future)
                future.whenComplete { result in
                    self.check.withLock { check in
                        guard case .running(let current) = check, current === future else { return }
                        if case .success = result { check = .passed } else { check = .needed }
                    }
                }
                return future
            }
        }
    }

    /// The error a failed check reports: refused, authentication failed,
    /// database missing, or what the driver said.
    func checkError(_ error: any Error, backend: String) -> CacheError {
        if let error = error as? CacheError { return error }
        return Self.unavailability(error, url: url, backend: backend)
            ?? CacheError.unavailable(backend: backend, reason: .connectFailed, message: "cannot connect to PostgreSQL at \(url): \(error)")
    }

    /// What a failed connect or query says about the server, when it says the
    /// server cannot be used: refused, authentication failed, database or
    /// role missing, connection lost.
    static func unavailability(_ error: any Error, url: PostgresConnectionURL, backend: String) -> CacheError? {
        guard let error = error as? PSQLError else {
            if ConnectError.isRefused(error) { return refused(url, backend) }
            return nil
        }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? "?"
            let message = info[.message] ?? "unknown server error"
            switch state {
            case "28P01", "28000":
                return .unavailable(
                    backend: backend, reason: .authenticationFailed,
                    message: "PostgreSQL at \(url) refused the login (\(message)); check the user name and password in the URL")
            case "3D000":
                return .unavailable(
                    backend: backend, reason: .databaseMissing,
                    message: "PostgreSQL at \(url): \(message); check the database name in the URL, or create the database")
            case "53300":
                return .unavailable(
                    backend: backend, reason: .connectFailed,
                    message: "PostgreSQL at \(url) has no connection to spare (\(message)); lower maxConnections or raise the server's max_connections")
            case "57P01", "57P02", "57P03":
                return .unavailable(
                    backend: backend, reason: .connectionLost, message: "PostgreSQL at \(url) is shutting down or starting: \(message)")
            default:
                return nil
            }
        }
        switch error.code {
        case .connectionError:
            if let underlying = error.underlying, ConnectError.isRefused(underlying) { return refused(url, backend) }
            if let underlying = error.underlying, ConnectError.isTimeout(underlying) {
                return .timeout(backend: backend, message: "could not connect to PostgreSQL at \(url) in time")
            }
            return .unavailable(backend: backend, reason: .connectFailed,
                                message: "cannot connect to PostgreSQL at \(url): \(error.underlying.map { "\($0)" } ?? "\(error.code)")")
        case .authMechanismRequiresPassword, .saslError:
            return .unavailable(backend: backend, reason: .authenticationFailed,
                                message: "PostgreSQL at \(url) needs a password the URL does not give (\(error.code))")
        case .serverClosedConnection, .uncleanShutdown:
            return .unavailable(backend: backend, reason: .connectionLost,
                                message: "PostgreSQL at \(url) closed the connection (\(error.code))")
        default:
            return nil
        }
    }

    private static func refused(_ url: PostgresConnectionURL, _ backend: String) -> CacheError {
        .unavailable(backend: backend, reason: .connectionRefused,
                     message: "could not connect to PostgreSQL at \(url): connection refused; check that the server runs and the URL's port is right")
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
