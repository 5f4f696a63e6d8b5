import Caching
import Foundation
import PostgresCaching
import PostgresNIO
import Testing

/// The PostgreSQL backend's own behaviours beyond the conformance suite, on the
/// shared test server (`POSTGRES_URL`) and, where a server must stop, on a
/// server of the test's own.
@Suite("PostgreSQL backend")
struct PostgresBackendTests {
    static let url = ProcessInfo.processInfo.environment["POSTGRES_URL"]
        ?? "postgres://caching:caching@127.0.0.1:5432/caching_test"

    static func table() -> String { "pg test " + UUID().uuidString.prefix(8).lowercased() }

    static func backend(_ table: String, url: String = url, replicaURL: String? = nil, createTable: Bool = true,
                        maxValueBytes: Int = (1 << 30) - 1, timeout: Duration = .seconds(30)) throws -> PostgresCacheBackend {
        PostgresCacheBackend(configuration: .init(
            url: try PostgresConnectionURL(url), table: table,
            replicaURL: try replicaURL.map { try PostgresConnectionURL($0) },
            createTable: createTable, maxConnections: 4, timeout: timeout, maxValueBytes: maxValueBytes))
    }

    /// Runs one statement directly, as another program would.
    static func execute(_ sql: String, url: String = url, _ binds: PostgresBindings = PostgresBindings()) async throws {
        let configuration = try PostgresConnectionURL(url).configuration
        let client = PostgresClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds))
            group.cancelAll()
        }
    }

    static func drop(_ table: String, url: String = url) async {
        try? await execute("DROP TABLE IF EXISTS \(PostgresCacheTable.quote(table))", url: url)
    }

    @Test("a missing table is an error naming cachectl createcachetable")
    func missingTable() async throws {
        let table = Self.table()
        let backend = try Self.backend(table, createTable: false)
        let cache = Cache(backend: backend)
        do {
            _ = try await cache.get("k", as: String.self)
            Issue.record("get on a missing table succeeded")
        } catch let error as CacheError {
            let text = "\(error)"
            #expect(text.contains("cachectl createcachetable"), "\(text)")
            #expect(text.contains("\"\(table)\""), "\(text)")
            #expect(!text.contains(":caching@"), "the password leaked: \(text)")
        }
        await #expect(throws: CacheError.self) { try await cache.set("k", "v") }
        try await backend.close()
    }

    @Test("createTable creates once, then reports that the table exists")
    func createTableTwice() async throws {
        let table = Self.table()
        let backend = try Self.backend(table, createTable: false)
        #expect(try await backend.tableExists() == false)
        #expect(try await backend.createTable())
        #expect(try await backend.createTable() == false)
        let cache = Cache(backend: backend)
        try await cache.set("k", 1)
        #expect(try await cache.get("k", as: Int.self) == 1)
        let statistics = try await backend.statistics()
        #expect(statistics.entries == 1)
        #expect(statistics.bytes == 1)
        try await backend.close()
        await Self.drop(table)
    }

    @Test("damaged rows are typed errors, never crashes or other keys' values")
    func damagedRows() async throws {
        let table = Self.table()
        let backend = try Self.backend(table)
        let cache = Cache(backend: backend)
        try await cache.set("good", "value")
        var binds = PostgresBindings()
        binds.append(cache.makeKey("garbage"))
        binds.append(ByteBuffer(bytes: [0xFF, 0x00, 0x13]))
        binds.append(Date().timeIntervalSince1970 + 1000)
        try await Self.execute("INSERT INTO \(PostgresCacheTable.quote(table)) VALUES ($1, $2, $3)", binds)
        await #expect(throws: CacheError.self) { try await cache.get("garbage", as: String.self) }
        await #expect(throws: CacheError.self) { try await cache.getMany(["good", "garbage"], as: String.self) }
        #expect(try await cache.get("good", as: String.self) == "value")
        do {
            try await cache.increment("garbage")
            Issue.record("incremented garbage")
        } catch CacheError.notAnInteger {}
        try await cache.set("max", Int.max)
        do {
            try await cache.increment("max")
            Issue.record("overflowed silently")
        } catch CacheError.integerOverflow {}
        try await backend.close()
        await Self.drop(table)
    }

    @Test("concurrent gets are coalesced and each still gets its own key's answer; a damaged row fails only its key")
    func coalescedReads() async throws {
        let table = Self.table()
        let backend = try Self.backend(table)
        let cache = Cache(backend: backend)
        try await cache.setMany(Dictionary(uniqueKeysWithValues: (0..<50).map { ("k\($0)", $0) }))
        try await cache.set("gone", 1, timeout: -1)
        var binds = PostgresBindings()
        binds.append(cache.makeKey("garbage"))
        binds.append(ByteBuffer(bytes: [0xFF, 0x00, 0x13]))
        binds.append(Date().timeIntervalSince1970 + 1000)
        try await Self.execute("INSERT INTO \(PostgresCacheTable.quote(table)) VALUES ($1, $2, $3)", binds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<400 {
                group.addTask { () async throws -> Void in
                    switch index % 4 {
                    case 0, 1: #expect(try await cache.get("k\(index % 50)", as: Int.self) == index % 50)
                    case 2: #expect(try await cache.get(index % 8 == 2 ? "gone" : "missing\(index)", as: Int.self) == nil)
                    default: await #expect(throws: CacheError.self) { try await cache.get("garbage", as: String.self) }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await backend.close()
        await Self.drop(table)
    }

    @Test("a value larger than allowed is refused with valueTooLarge, and the old value is gone")
    func valueTooLarge() async throws {
        let table = Self.table()
        let backend = try Self.backend(table, maxValueBytes: 1000)
        let cache = Cache(backend: backend)
        try await cache.set("big", "small")
        do {
            try await cache.set("big", [UInt8](repeating: 7, count: 5000))
            Issue.record("a value over the limit was stored")
        } catch CacheError.valueTooLarge(_, let size, let limit) {
            #expect(size > 5000)
            #expect(limit == 1000)
        }
        #expect(try await cache.get("big", as: String.self) == nil)
        try await backend.close()
        await Self.drop(table)
    }

    @Test("two concurrent adds of one key from two connection pools: exactly one wins")
    func concurrentAdd() async throws {
        let table = Self.table()
        let firstBackend = try Self.backend(table)
        let secondBackend = try Self.backend(table)
        let first = Cache(backend: firstBackend)
        let second = Cache(backend: secondBackend)
        try await first.set("warm-up", 1)
        try await second.set("warm-up", 1)
        for round in 0..<40 {
            async let a = first.add("race-\(round)", "first")
            async let b = second.add("race-\(round)", "second")
            let (wonA, wonB) = try await (a, b)
            #expect(wonA != wonB, "round \(round): \(wonA) \(wonB)")
            #expect(try await first.get("race-\(round)", as: String.self) == (wonA ? "first" : "second"))
        }
        try await firstBackend.close()
        try await secondBackend.close()
        await Self.drop(table)
    }

    @Test("increment is atomic across pools and keeps the expiry")
    func concurrentIncrement() async throws {
        let table = Self.table()
        let backends = try (0..<4).map { _ in try Self.backend(table) }
        let caches = backends.map { Cache(backend: $0) }
        try await caches[0].set("counter", 0, timeout: 1000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for cache in caches {
                group.addTask { for _ in 0..<25 { _ = try await cache.increment("counter") } }
            }
            try await group.waitForAll()
        }
        #expect(try await caches[0].get("counter", as: Int.self) == 100)
        try await caches[0].set("short", 1, timeout: 1)
        #expect(try await caches[1].increment("short") == 2)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await caches[1].get("short", as: Int.self) == nil)
        for backend in backends { try await backend.close() }
        await Self.drop(table)
    }

    @Test("reads go to the replica, writes to the primary")
    func replicaRouting() async throws {
        try await TestPostgresServer.with(port: 15434) { server in try await replicaRouting(server) }
    }

    func replicaRouting(_ server: TestPostgresServer) async throws {
        let table = Self.table()
        let replicaWriter = Cache(backend: try Self.backend(table, url: server.url))
        try await replicaWriter.set("k", "from the replica")
        let routedBackend = try Self.backend(table, replicaURL: server.url)
        let routed = Cache(backend: routedBackend)
        try await routed.set("k", "from the primary")
        #expect(try await routed.get("k", as: String.self) == "from the replica")
        #expect(try await routed.hasKey("k"))
        let primaryOnly = Cache(backend: try Self.backend(table))
        #expect(try await primaryOnly.get("k", as: String.self) == "from the primary")
        try await routedBackend.close()
        try await replicaWriter.close()
        try await primaryOnly.close()
        await Self.drop(table)
    }

    @Test("the server going away and coming back: errors, then recovery without a restart")
    func serverGoesAway() async throws {
        try await TestPostgresServer.with(port: 15433) { server in try await serverGoesAway(server) }
    }

    func serverGoesAway(_ server: TestPostgresServer) async throws {
        // The stop below is a crash (`pg_ctl -m immediate`). With the default
        // `synchronous_commit = off` the last write may be lost in a crash, by
        // design; with it on, a write that returned must survive, which this
        // test asserts. The timeout is generous because the point is recovery,
        // not speed: a refused connection fails at once whatever the timeout.
        var configuration = try Self.backend("outage cache", url: server.url, timeout: .seconds(15)).configuration
        configuration.synchronousCommit = true
        let backend = PostgresCacheBackend(configuration: configuration)
        let cache = Cache(backend: backend)
        try await cache.set("k", "before")
        #expect(try await cache.get("k", as: String.self) == "before")

        try await server.stop()
        await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }
        await #expect(throws: CacheError.self) { try await cache.set("k", "during") }

        try await server.start()
        var afterRestart: String?? = .none
        for _ in 0..<60 where afterRestart == nil {
            do {
                afterRestart = .some(try await cache.get("k", as: String.self))
            } catch {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        #expect(afterRestart != nil, "the backend did not reconnect within 30 seconds")
        #expect(afterRestart == .some("before"), "a committed write was lost in the crash")
        try await cache.set("k", "after")
        #expect(try await cache.get("k", as: String.self) == "after")
        try await backend.close()
    }

    @Test("a hung server (SIGSTOP): a call ends as a timeout within its bound, and calls work again once it resumes")
    func hungServer() async throws {
        try await TestPostgresServer.with(port: 15435) { server in try await hungServer(server) }
    }

    func hungServer(_ server: TestPostgresServer) async throws {
        // The table and the value, with a timeout a loaded machine's first
        // connect and DDL fit in; then a backend with a short one.
        let setUp = try Self.backend("hang cache", url: server.url, timeout: .seconds(30))
        try await Cache(backend: setUp).set("k", "v")
        try await setUp.close()
        var configuration = try Self.backend("hang cache", url: server.url, timeout: .seconds(1)).configuration
        configuration.breaker = CircuitBreakerSettings(failureThreshold: 1, coolDown: .milliseconds(200))
        let backend = PostgresCacheBackend(configuration: configuration)
        // Closed whatever happens: a backend dropped unclosed trips
        // postgres-nio's assertion and takes the whole test process down.
        do {
            try await hangAndResume(server, Cache(backend: backend))
        } catch {
            try? await server.signal("CONT")
            try? await backend.close()
            throw error
        }
        try await backend.close()
    }

    func hangAndResume(_ server: TestPostgresServer, _ cache: Cache) async throws {
        // Its first connect may itself outlast 1 s on a loaded machine, and
        // a failure opens the circuit for 200 ms: try again, briefly apart.
        var before: String?
        for _ in 0..<80 where before == nil {
            before = try? await cache.get("k", as: String.self)
            if before == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(before == "v")
        try await server.signal("STOP")
        do {
            let started = ContinuousClock.now
            let error = await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }
            let elapsed = ContinuousClock.now - started
            // The bound is the timeout; a loaded machine gets a generous margin.
            #expect(elapsed < .seconds(5), "the call took \(elapsed), past its 1 s timeout")
            guard case .timeout? = error else {
                Issue.record("a hung server gave \(String(describing: error)), not a timeout")
                try await server.signal("CONT")
                return
            }
        }
        try await server.signal("CONT")
        var after: String?
        for _ in 0..<80 where after == nil {
            after = try? await cache.get("k", as: String.self)
            if after == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(after == "v", "the backend did not recover after the server resumed")
    }

    @Test("the pool opens connections as concurrent calls need them: one for a single task, at most maxConnections")
    func poolGrowsOnDemand() async throws {
        let table = Self.table()
        let backend = try Self.backend(table)
        let cache = Cache(backend: backend)
        for index in 0..<20 { try await cache.set("k\(index)", index) }
        for index in 0..<20 { #expect(try await cache.get("k\(index)", as: Int.self) == index) }
        #expect(backend.connectAttempts == 1, "one task's calls opened \(backend.connectAttempts) connections")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for index in 0..<20 { _ = try await cache.get("k\((index + task) % 20)", as: Int.self) }
                }
            }
            try await group.waitForAll()
        }
        // maxConnections is 4 (Self.backend).
        #expect((1...4).contains(backend.connectAttempts), "16 tasks opened \(backend.connectAttempts) connections")
        try await backend.close()
        await Self.drop(table)
    }

    @Test("a pool over a PostgresClient the application runs: statements, table creation and errors work through it")
    func externalClient() async throws {
        let table = Self.table()
        let url = try PostgresConnectionURL(Self.url)
        let client = PostgresClient(configuration: url.configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let pool = PostgresCacheConnectionPool(client: client, url: url)
            let backend = PostgresCacheBackend(
                configuration: .init(url: url, table: table, createTable: false, timeout: .seconds(30)), pool: pool)
            #expect(try await backend.createTable())
            #expect(try await !backend.createTable())
            let cache = Cache(backend: backend)
            try await cache.set("k", "through the application's client")
            #expect(try await cache.get("k", as: String.self) == "through the application's client")
            #expect(try await cache.add("k", "again") == false)
            try await backend.close()
            group.cancelAll()
        }
        await Self.drop(table)
    }

    @Test("settings build the backend by name, with the URL in an option or the environment")
    func registry() async throws {
        var registry = CacheBackendRegistry.standard
        registry.registerPostgresBackend()
        let table = Self.table()
        let json = """
        { "caches": {
            "default": { "backend": "postgres", "location": "\(table)",
                         "options": { "url": "\(Self.url)", "createTable": true, "timeout": 30 } },
            "other": { "backend": "postgresql", "location": "\(table)",
                       "options": { "urlEnvironment": "SWIFT_CACHING_NO_SUCH_VARIABLE", "url": "\(Self.url)", "timeout": 30 } } } }
        """
        let caches = try Caches(settings: CacheSettings(json: Data(json.utf8)), registry: registry)
        try await caches.default.set("a", 1)
        #expect(try await caches["other"].get("a", as: Int.self) == 1)
        await caches.closeAll()
        await Self.drop(table)

        for bad in [
            #"{ "caches": { "default": { "backend": "postgres", "location": "t" } } }"#,
            #"{ "caches": { "default": { "backend": "postgres", "location": "t", "options": { "url": "mysql://x@h/d" } } } }"#,
            #"{ "caches": { "default": { "backend": "postgres", "options": { "url": "postgres://x@h/d" } } } }"#,
            #"{ "caches": { "default": { "backend": "postgres", "location": "t", "options": { "url": "postgres://x@h/d", "pool": 3 } } } }"#,
        ] {
            #expect(throws: CacheConfigurationError.self) {
                try Caches(settings: CacheSettings(json: Data(bad.utf8)), registry: registry)
            }
        }
    }
}
