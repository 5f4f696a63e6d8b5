import Caching
import CachingTestSupport
import Foundation
import PostgresCaching
import Testing

/// Issue 16 on PostgreSQL: a server that refuses, a missing database, an
/// unknown role — each typed and worded so, at once instead of after the
/// timeout — plus the `miss` failure mode and the circuit breaker.
@Suite("PostgreSQL reliability", .timeLimit(.minutes(2)))
struct PostgresReliabilityTests {
    static let shared = URLComponents(string: PostgresBackendTests.url)

    /// The shared server's URL with another port, user or database.
    static func url(port: Int? = nil, user: String? = nil, database: String? = nil) throws -> String {
        var components = try #require(shared)
        if let port { components.port = port }
        if let user { components.user = user }
        if let database { components.path = "/" + database }
        components.query = "sslmode=disable"
        return try #require(components.string)
    }

    static func backend(_ url: String, failureMode: CacheFailureMode = .error) throws -> PostgresCacheBackend {
        PostgresCacheBackend(configuration: .init(
            url: try PostgresConnectionURL(url), table: "reliability_" + UUID().uuidString.prefix(8).lowercased(),
            createTable: true, maxConnections: 2, timeout: .seconds(5), failureMode: failureMode,
            breaker: CircuitBreakerSettings(failureThreshold: 3, coolDown: .seconds(30))))
    }

    /// The error of one `get`, if it failed.
    static func failure(of backend: PostgresCacheBackend) async -> CacheError? {
        do {
            _ = try await Cache(backend: backend).get("k", as: String.self)
            return nil
        } catch {
            return error as? CacheError
        }
    }

    @Test("a refused connection is connectionRefused at once, not a timeout after 5 s")
    func refused() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let backend = try Self.backend(try Self.url(port: port))
        // A refusal that waited for the timeout would be `.timeout`, not this.
        let error = await Self.failure(of: backend)
        guard case .unavailable(_, let reason, let message)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason == .connectionRefused)
        #expect(message.contains("connection refused") && message.contains("\(port)"), "\(message)")
        try await backend.close()
    }

    @Test("a missing database is databaseMissing; an unknown role is authenticationFailed")
    func missingDatabaseAndRole() async throws {
        let noDatabase = try Self.backend(try Self.url(database: "no_such_database_16"))
        let error = await Self.failure(of: noDatabase)
        guard case .unavailable(_, let reason, let message)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason == .databaseMissing)
        #expect(message.contains("no_such_database_16") && message.contains("database name"), "\(message)")
        try await noDatabase.close()

        let noRole = try Self.backend(try Self.url(user: "no_such_role_16"))
        let roleError = await Self.failure(of: noRole)
        guard case .unavailable(_, let roleReason, let roleMessage)? = roleError else {
            Issue.record("got \(String(describing: roleError))"); return
        }
        #expect(roleReason == .authenticationFailed)
        #expect(roleMessage.contains("no_such_role_16") && roleMessage.contains("user name"), "\(roleMessage)")
        try await noRole.close()
    }

    @Test("after 3 failures the circuit is open: calls fail at once without connecting")
    func breaker() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let backend = try Self.backend(try Self.url(port: refusing.port))
        for _ in 0..<3 { _ = await Self.failure(of: backend) }
        let attempts = backend.connectAttempts
        for _ in 0..<10 {
            let error = await Self.failure(of: backend)
            guard case .unavailable(_, .circuitOpen, let message)? = error else { Issue.record("got \(String(describing: error))"); continue }
            #expect(message.contains("connection refused"), "the last error is named: \(message)")
        }
        #expect(backend.connectAttempts == attempts)
        try await backend.close()
    }

    @Test("miss mode: reads are misses, writes are dropped, getOrSet computes")
    func missMode() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let backend = try Self.backend(try Self.url(port: refusing.port), failureMode: .miss)
        let cache = Cache(backend: backend)
        #expect(try await cache.get("k", as: String.self) == nil)
        try await cache.set("k", "dropped")
        #expect(try await cache.add("k", "dropped") == false)
        #expect(try await cache.getOrSet("page") { "computed" } == "computed")
        try await backend.close()
    }

    @Test("a wrong password is authenticationFailed; the right one works")
    func wrongPassword() async throws {
        try await TestPostgresServer.with(port: try FreePort.next()) { server in
            try await server.requirePassword("s3cret")
            // pg_ctl reload returns before the server has read the new rules.
            let wrongURL = "postgres://postgres:wrong@127.0.0.1:\(server.port)/postgres?sslmode=disable"
            var reason: CacheUnavailableReason?
            var message = ""
            for _ in 0..<40 where reason == nil {
                let wrong = try Self.backend(wrongURL)
                if case .unavailable(_, let found, let text)? = await Self.failure(of: wrong) {
                    reason = found
                    message = text
                } else {
                    try await Task.sleep(for: .milliseconds(250))
                }
                try await wrong.close()
            }
            #expect(reason == .authenticationFailed)
            #expect(message.contains("check the user name and password"), "\(message)")
            #expect(!message.contains("wrong"), "the password is not shown: \(message)")
            let right = try Self.backend("postgres://postgres:s3cret@127.0.0.1:\(server.port)/postgres?sslmode=disable")
            let cache = Cache(backend: right)
            try await cache.set("k", "v")
            #expect(try await cache.get("k", as: String.self) == "v")
            try await right.close()
        }
    }
}
