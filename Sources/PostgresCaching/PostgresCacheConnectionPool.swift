import Caching
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The connections to one PostgreSQL server and its circuit breaker.
///
/// By default the pool holds connections of its own: a
/// `ServerConnectionPool` of `maxConnections` slots (the one pool the Redis
/// and memcached clients use too), each a postgres-nio `PostgresConnection`
/// opened on first use, shared by concurrent callers and replaced when it
/// closes. A call takes a slot's connection and runs its prepared statement
/// there, bounded as a whole (connect and queue wait included) by the
/// timeout; a server that cannot be reached fails the connect with what it
/// said: connection refused, authentication failed, database or role missing.
///
/// A pool can instead wrap a `PostgresClient` the application runs
/// (``init(client:url:breaker:)``). That client waits for a connection
/// when the server cannot be reached, without saying why, so alongside its
/// first query, and again after a call failed because the server could not be
/// used, the pool opens one connection by itself (one at a time, shared by
/// the callers that arrive meanwhile); if that fails, the calls fail at once
/// with what it says instead of a timeout.
///
/// Every ``PostgresCacheBackend`` makes its own unless given one: share one
/// between several caches on the same server to bound the connections they open
/// together (they then share the breaker too). ``close()`` closes the
/// connections (or stops the pool's own client); the next use opens new ones.
public final class PostgresCacheConnectionPool: Sendable {
    /// The server.
    public let url: PostgresConnectionURL
    private let connectTimeout: Duration
    private let logger: Logger
    /// The pool's own connections; `nil` for a client the application runs.
    let connections: ServerConnectionPool<PostgresCacheConnection>?
    /// A client the application runs itself; never closed here.
    private let external: PostgresClient?
    /// The server's circuit breaker.
    package let breaker: CircuitBreaker
    private let check = CacheLock<Check>(.needed)
    private let attempts = Atomic<Int>(0)

    private enum Check {
        case needed
        case running(EventLoopFuture<Void>)
        case passed
    }

    /// A pool of at most `maxConnections` connections to `url`; `connectTimeout`
    /// also bounds each call as a whole.
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
        self.connectTimeout = connectTimeout
        self.logger = logger
        self.external = nil
        let breaker = CircuitBreaker(
            backend: "postgres", server: url.description, settings: breaker, probeTimeout: connectTimeout * 2, logger: logger)
        self.breaker = breaker
        let backend = "postgres(\(url))"
        let errors = ServerConnectionPool<PostgresCacheConnection>.Errors(
            timeout: {
                CacheError.timeout(
                    backend: backend,
                    message: "PostgreSQL at \(url) did not answer within the \(CircuitBreaker.seconds(connectTimeout)) s timeout")
            },
            circuitOpen: { retryIn, lastError in
                CacheError.unavailable(
                    backend: backend, reason: .circuitOpen,
                    message: "PostgreSQL at \(url) is failing (circuit open); calls fail at once for \(CircuitBreaker.seconds(retryIn)) s more"
                        + " (last error: \(lastError))")
            },
            closed: {
                CacheError.unavailable(backend: backend, reason: .shutDown, message: "the PostgreSQL pool for \(url) was closed")
            },
            meansUnavailable: { ($0 as? CacheError)?.isServerUnavailable ?? true })
        let ids = Atomic<Int>(1)
        connections = ServerConnectionPool<PostgresCacheConnection>(
            connections: max(1, maxConnections), timeout: connectTimeout, breaker: breaker, errors: errors,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, selection: .leastBusy
        ) { loop in
            var configuration: PostgresConnection.Configuration
            do {
                configuration = try Self.connectionConfiguration(url, connectTimeout: connectTimeout, backend: backend)
            } catch {
                return loop.makeFailedFuture(error)
            }
            if !synchronousCommit { configuration.options.additionalStartupParameters.append(("synchronous_commit", "off")) }
            let id = ids.wrappingAdd(1, ordering: .relaxed).oldValue
            return PostgresCacheConnection.connect(on: loop, configuration: configuration, id: id, logger: logger)
                .flatMapErrorThrowing { error in
                    throw Self.unavailability(error, url: url, backend: backend)
                        ?? CacheError.unavailable(
                            backend: backend, reason: .connectFailed, message: "cannot connect to PostgreSQL at \(url): \(error)")
                }
        }
    }

    /// Wraps a client the application already runs (`client.run()`) and closes;
    /// `url` must name the same server (it appears in errors, and the pool
    /// connects to it to tell why the server cannot be used).
    public init(client: PostgresClient, url: PostgresConnectionURL, breaker: CircuitBreakerSettings = CircuitBreakerSettings()) {
        self.url = url
        self.connectTimeout = .seconds(5)
        self.logger = Logger(label: "swift-caching.postgres")
        self.external = client
        self.connections = nil
        self.breaker = CircuitBreaker(
            backend: "postgres", server: url.description, settings: breaker, probeTimeout: .seconds(10), logger: logger)
    }

    /// The client the application gave, if it gave one.
    var client: PostgresClient? { external }

    /// Connection checks made so far (for tests: an open circuit makes none).
    package var connectAttempts: Int { attempts.load(ordering: .relaxed) + (connections?.connectAttempts ?? 0) }

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
        let checkConfiguration = try Self.connectionConfiguration(url, connectTimeout: connectTimeout, backend: backend)
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

    /// Closes the pool's own connections; a later use reconnects. A client the
    /// application gave stays open: it is the application's to close.
    public func close() async {
        await connections?.close(permanently: false)
    }

    /// A connection's configuration for `url`, bounded by `connectTimeout`
    /// (cheap to make: the TLS context is the process's one); a TLS set-up
    /// that fails is a `CacheError` naming the server.
    private static func connectionConfiguration(_ url: PostgresConnectionURL, connectTimeout: Duration,
                                                backend: String) throws(CacheError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        do {
            configuration = try url.connectionConfiguration()
        } catch {
            throw CacheError.backendFailure(backend: backend, message: "cannot set up TLS for PostgreSQL at \(url): \(error)")
        }
        configuration.options.connectTimeout = TimeAmount(connectTimeout)
        return configuration
    }
}

/// Remembers that the table was created on first use, so it is done once.
final class TableCreationGate: Sendable {
    private let done = Atomic<Bool>(false)

    var isDone: Bool { done.load(ordering: .acquiring) }

    func markDone() { done.store(true, ordering: .releasing) }
}
