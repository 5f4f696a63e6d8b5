import Logging
import NIOCore
@testable import PostgresCaching
import PostgresNIO
import Testing

/// `PostgresCacheConnection.run(until:_:)`: where a call's statements run,
/// and that its deadline still answers the caller, on the shared server.
@Suite("PostgreSQL connection", .timeLimit(.minutes(1)))
struct PostgresCacheConnectionTests {
    static let logger = Logger(label: "swift-caching.tests.postgres-connection")

    static func connect() async throws -> PostgresCacheConnection {
        let configuration = try PostgresConnectionURL(PostgresBackendTests.url).connectionConfiguration()
        return try await PostgresCacheConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 1, logger: logger
        ).get()
    }

    @Test("a call's statements run on the connection's event loop, before and after each reply")
    func statementsRunOnTheConnectionsLoop() async throws {
        let connection = try await Self.connect()
        let loop = connection.connection.eventLoop
        let (before, after, value) = try await connection.run(until: .now() + .seconds(20)) { () -> (Bool, Bool, Int) in
            let before = loop.inEventLoop
            var value = 0
            for try await row in try await connection.connection.query("SELECT 41 + 1", logger: Self.logger) {
                value = try row.decode(Int.self)
            }
            return (before, loop.inEventLoop, value)
        }
        // On Swift's global executor both would be false: two more thread
        // hops per call (to the task, then from the reply back to it).
        #expect(before, "the call's task started off the connection's loop")
        #expect(after, "a reply resumed the call's task off the connection's loop")
        #expect(value == 42)
        await connection.close()
    }

    @Test("a call whose statements never end is answered at its deadline, and the connection is closed")
    func deadlineAnswersAHungCall() async throws {
        let connection = try await Self.connect()
        let clock = ContinuousClock()
        let start = clock.now
        // The deadline's own error, or the closed connection's if the
        // statement's failure got there first; either way `timedOut` says why.
        await #expect(throws: (any Error).self) {
            try await connection.run(until: .now() + .milliseconds(300)) { () -> Int in
                // pg_sleep stands in for a statement whose reply never comes.
                for try await _ in try await connection.connection.query("SELECT pg_sleep(10)", logger: Self.logger) {}
                return 0
            }
        }
        #expect(clock.now - start < .seconds(5))
        #expect(connection.timedOut)
        #expect(!connection.isActive)
        await connection.close()
    }
}
