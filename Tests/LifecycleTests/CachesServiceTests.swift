import Caching
import CachingTestSupport
import Foundation
import HummingbirdCaching
import Logging
import MemcachedCaching
import PostgresCaching
import RedisCaching
import ServiceLifecycle
import ServiceLifecycleTestKit
import SQLiteCaching
import Synchronization
import Testing

/// What the backends of a test's caches did, in order, shared by all its aliases.
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func record(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
    func count(_ event: String) -> Int { all.filter { $0 == event }.count }
}

/// A backend that records its calls, and after `closePermanently()` fails
/// them as the network backends do.
final class RecordingBackend: CacheBackend {
    let name: String
    let log: EventLog
    private let closed = Atomic<Bool>(false)

    init(name: String, log: EventLog) {
        self.name = name
        self.log = log
    }

    private func use(_ operation: String) throws {
        guard !closed.load(ordering: .acquiring) else {
            throw CacheError.unavailable(backend: name, reason: .shutDown, message: "closed")
        }
        log.record("use")
    }

    func get(_ key: String) async throws -> CacheValue? { try use("get"); return nil }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws { try use("set") }
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { try use("add"); return true }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { try use("touch"); return false }
    func delete(_ key: String) async throws -> Bool { try use("delete"); return false }
    func hasKey(_ key: String) async throws -> Bool { try use("hasKey"); return false }
    func increment(_ key: String, by delta: Int) async throws -> Int { try use("increment"); return delta }
    func clear() async throws { try use("clear") }
    func closePermanently() async throws {
        closed.store(true, ordering: .releasing)
        log.record("closePermanently:\(name)")
    }
}

/// Caches whose aliases `a` and `b` are ``RecordingBackend``s writing to `log`.
func recordingCaches(_ log: EventLog) throws -> Caches {
    var registry = CacheBackendRegistry.standard
    registry.register("recording", options: []) { context in RecordingBackend(name: context.alias, log: log) }
    return try Caches(settings: CacheSettings(caches: [
        "default": CacheConfiguration(backend: "recording"),
        "b": CacheConfiguration(backend: "recording"),
    ]), registry: registry)
}

/// A stand-in for an HTTP server: on graceful shutdown it finishes its
/// "requests in flight", which use the cache, before it returns.
struct DrainingService: Service {
    let cache: Cache
    let log: EventLog
    let started: AsyncStream<Void>.Continuation

    func run() async throws {
        started.yield()
        try? await gracefulShutdown()
        for index in 0..<3 {
            try await cache.set("in-flight-\(index)", index)
            _ = try await cache.get("in-flight-\(index)", as: Int.self)
        }
        log.record("drained")
    }
}

@Suite("CachesService: the caches as a swift-service-lifecycle Service")
struct CachesServiceTests {
    @Test("run() waits for graceful shutdown, then shuts every alias down once; calls after it fail with .shutDown")
    func runReturnsAfterGracefulShutdown() async throws {
        let log = EventLog()
        let caches = try recordingCaches(log)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await CachesService(caches).run() }
                try await caches.default.set("k", 1)
                #expect(!caches.isShutDown)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(caches.isShutDown)
        #expect(log.count("closePermanently:default") == 1)
        #expect(log.count("closePermanently:b") == 1)
        // A second shutdown closes nothing again.
        await caches.shutdown()
        #expect(log.count("closePermanently:default") == 1)
        await #expect(throws: CacheError.unavailable(backend: "default", reason: .shutDown, message: "closed")) {
            try await caches.default.set("k", 2)
        }
    }

    @Test("a cancelled service shuts the caches down all the same")
    func cancellation() async throws {
        let log = EventLog()
        let caches = try recordingCaches(log)
        let task = Task { try await testGracefulShutdown { _ in try await CachesService(caches).run() } }
        task.cancel()
        try await task.value
        #expect(caches.isShutDown)
        #expect(log.count("closePermanently:default") == 1)
    }

    @Test("in a ServiceGroup listed before the server, the caches close only after the server has drained")
    func orderInServiceGroup() async throws {
        let log = EventLog()
        let caches = try recordingCaches(log)
        let (started, continuation) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(configuration: .init(
            services: [CachesService(caches), DrainingService(cache: caches.default, log: log, started: continuation)],
            logger: Logger(label: "lifecycle-test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in started { break }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let events = log.all
        let drained = try #require(events.firstIndex(of: "drained"))
        let firstClose = try #require(events.firstIndex { $0.hasPrefix("closePermanently") })
        #expect(events.filter { $0 == "use" }.count == 6, "every in-flight call reached its cache: \(events)")
        #expect(drained < firstClose, "\(events)")
    }

    @Test("Redis, memcached, PostgreSQL and SQLite: calls after shutdown fail with .shutDown, in either failure mode")
    func realBackendsFailAfterShutdown() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-lifecycle-" + suffix
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let table = "lifecycle_\(suffix)"
        let caches = try Caches(settings: CacheSettings(json: Data("""
            { "caches": {
                "default": { "backend": "redis", "location": "redis://127.0.0.1:6379/0", "keyPrefix": "lifecycle-\(suffix)",
                             "options": { "timeout": 10 } },
                "missing": { "backend": "redis", "location": "redis://127.0.0.1:6379/0", "keyPrefix": "lifecycle-\(suffix)",
                             "options": { "failureMode": "miss", "timeout": 10 } },
                "memcached": { "backend": "memcached", "location": "127.0.0.1:11211", "keyPrefix": "lifecycle-\(suffix)",
                               "options": { "timeout": 10, "connectTimeout": 10 } },
                "postgres": { "backend": "postgres", "location": "\(table)",
                              "options": { "url": "\(TestPostgres.url(applicationName: "lifecycle-\(suffix)"))", "createTable": true, "timeout": 10 } },
                "sqlite": { "backend": "sqlite", "location": "cache_table", "options": { "path": "\(directory)/cache.sqlite3" } }
            } }
            """.utf8)), registry: Self.registry)
        for cache in caches.all {
            try await cache.set("k", "v")
            #expect(try await cache.get("k", as: String.self) == "v", "\(cache.alias)")
        }
        await caches.shutdown()
        for cache in caches.all {
            do {
                _ = try await cache.get("k", as: String.self)
                Issue.record("\(cache.alias): a get after shutdown succeeded")
            } catch let error as CacheError {
                guard case .unavailable(_, .shutDown, let message) = error else {
                    Issue.record("\(cache.alias): \(error)")
                    continue
                }
                #expect(message.contains("CachesService"), "the message says what to fix: \(message)")
                #expect(!error.isServerUnavailable)
            }
        }
        _ = try await TestPostgres.query("DROP TABLE IF EXISTS \(table)")
    }

    @Test("after shutdown no connection is left open on Redis, memcached or PostgreSQL, and none is reopened")
    func noConnectionLeaks() async throws {
        let redis = try await PrivateServer.start(.redis)
        let memcached = try await PrivateServer.start(.memcached)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let application = "lifecycle-leak-\(suffix)"
        // Generous timeouts: the point is what shutdown leaves behind, and the
        // full suite on two cores can stall a fresh server's first replies.
        let table = "lifecycle_\(suffix)"
        do {
            let caches = try Caches(settings: CacheSettings(json: Data("""
                { "caches": {
                    "default": { "backend": "redis", "location": "redis://127.0.0.1:\(redis.port)/0",
                                 "options": { "connectionsPerServer": 4, "timeout": 10 } },
                    "memcached": { "backend": "memcached", "location": "127.0.0.1:\(memcached.port)",
                                   "options": { "connectionsPerServer": 4, "timeout": 10, "connectTimeout": 10 } },
                    "postgres": { "backend": "postgres", "location": "\(table)",
                                  "options": { "url": "\(TestPostgres.url(applicationName: application))", "createTable": true, "timeout": 10 } }
                } }
                """.utf8)), registry: Self.registry)
            // Concurrent calls, so that each pool opens several connections.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for cache in caches.all {
                    for index in 0..<16 {
                        group.addTask {
                            try await cache.set("k\(index)", index)
                            _ = try await cache.get("k\(index)", as: Int.self)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await redis.clientConnections() > 0)
            #expect(try await memcached.clientConnections() > 0)
            #expect(try await TestPostgres.connections(applicationName: application) > 0)

            await caches.shutdown()
            #expect(try await redis.connectionsAfterClientsLeave() == 0)
            #expect(try await memcached.connectionsAfterClientsLeave() == 0)
            #expect(try await TestPostgres.connections(applicationName: application, untilZero: true) == 0)
            // A late call fails instead of opening a pool that nobody would close.
            for cache in caches.all {
                await #expect(throws: CacheError.self) { try await cache.set("late", 1) }
            }
            #expect(try await redis.clientConnections() == 0)
            #expect(try await memcached.clientConnections() == 0)
            #expect(try await TestPostgres.connections(applicationName: application) == 0)
        } catch {
            Issue.record(error)
        }
        _ = try? await TestPostgres.query("DROP TABLE IF EXISTS \(table)")
        await redis.stop()
        await memcached.stop()
    }

    static var registry: CacheBackendRegistry {
        var registry = CacheBackendRegistry.standard
        registry.registerRedisBackend()
        registry.registerMemcachedBackend()
        registry.registerPostgresBackend()
        registry.registerSQLiteBackend()
        return registry
    }
}
