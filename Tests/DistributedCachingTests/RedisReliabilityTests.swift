import Caching
import CachingTestSupport
import Foundation
import Logging
import NIOCore
import RedisCaching
import Testing

/// Issue 16 on Redis: failing open, whole-call timeouts, the circuit breaker
/// and typed errors, against real redis-server processes the tests kill, stop
/// and restart. Bounds on time only catch the old behaviour (a call taking a
/// full timeout per phase, 5 s and more); they are generous for a loaded CI.
@Suite("Redis reliability", .timeLimit(.minutes(2)))
struct RedisReliabilityTests {
    static let quiet = Logger(label: "redis-reliability") { _ in SwiftLogNoOpLogHandler() }

    static func backend(
        _ url: String, failureMode: CacheFailureMode = .error, timeout: TimeAmount = .milliseconds(100),
        breaker: CircuitBreakerSettings = CircuitBreakerSettings(failureThreshold: 3, coolDown: .milliseconds(300)),
        logger: Logger = quiet
    ) throws -> RedisCacheBackend {
        try RedisCacheBackend(
            configuration: .init(
                servers: [RedisEndpoint(url: url)],
                client: .init(connectTimeout: .seconds(5), commandTimeout: timeout, connectionsPerServer: 1, breaker: breaker),
                failureMode: failureMode),
            logger: logger)
    }

    @Test("nothing listening: connection refused, typed and worded so")
    func refused() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let backend = try Self.backend("redis://127.0.0.1:\(port)/0", timeout: .seconds(5))
        defer { backend.shutdown() }
        let cache = Cache(backend: backend, logger: Self.quiet)
        do {
            _ = try await cache.get("k", as: String.self)
            Issue.record("a read with nothing listening succeeded")
        } catch let error as CacheError {
            guard case .unavailable(let name, let reason, let message) = error else { Issue.record("got \(error)"); return }
            #expect(name == "redis")
            #expect(reason == .connectionRefused)
            #expect(message.contains("127.0.0.1:\(port)") && message.contains("connection refused"), "\(message)")
        }
    }

    @Test("miss mode: a dead server's reads are misses, writes are dropped, getOrSet computes")
    func missMode() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let backend = try Self.backend("redis://127.0.0.1:\(port)/0", failureMode: .miss, timeout: .seconds(5))
        defer { backend.shutdown() }
        let cache = Cache(backend: backend, logger: Self.quiet)
        #expect(try await cache.get("k", as: String.self) == nil)
        try await cache.set("k", "dropped")
        #expect(try await cache.add("k", "dropped") == false)
        #expect(try await cache.hasKey("k") == false)
        #expect(try await cache.delete("k") == false)
        #expect(try await cache.touch("k") == false)
        #expect(try await cache.getMany(["a", "b"], as: String.self).isEmpty)
        let failed = try await cache.setMany(["a": 1, "b": 2])
        #expect(Set(failed) == ["a", "b"])
        await #expect(throws: CacheError.keyNotFound(key: ":1:n")) { try await cache.increment("n") }
        var computed = 0
        let value = try await cache.getOrSet("page") { computed += 1; return "rendered" }
        #expect(value == "rendered")
        #expect(computed == 1)
    }

    @Test("a hung server (SIGSTOP): a 100 ms call ends as a timeout well within 2 s, then the circuit opens")
    func hungServer() async throws {
        try await TestRedisServer.with { server in
            // A 2 s cool-down: long enough that no probe starts during the
            // checks of the open circuit, short enough for the warm-up to recover.
            let backend = try Self.backend(server.url, breaker: CircuitBreakerSettings(failureThreshold: 3, coolDown: .seconds(2)))
            defer { backend.shutdown() }
            let cache = Cache(backend: backend, logger: Self.quiet)
            // A loaded machine may need more than 100 ms for the first connect,
            // and that timeout opens the circuit for its 2 s cool-down: 20 s.
            #expect(await MemcachedTesting.eventually(attempts: 200) { try await cache.set("k", "v") })
            try await server.signal("STOP")
            defer { Task { try? await server.signal("CONT") } }
            // One call that waits out its timeout opens the circuit, below the
            // threshold of 3: a second call would only wait as long again.
            let clock = ContinuousClock()
            let start = clock.now
            do {
                _ = try await cache.get("k", as: String.self)
                Issue.record("a stopped server answered")
            } catch let error as CacheError {
                guard case .timeout(let name, let message) = error else { Issue.record("got \(error)"); return }
                #expect(name == "redis")
                #expect(message.contains("0.1 s"), "\(message)")
            }
            #expect(clock.now - start < .seconds(2), "the call was not bounded by its timeout")
            #expect(backend.breakers[0].state == .open)
            // Open: calls fail at once, as circuitOpen, without connecting.
            let attempts = backend.connectAttempts
            for _ in 0..<20 {
                do {
                    _ = try await cache.get("k", as: String.self)
                    Issue.record("a stopped server answered")
                } catch let error as CacheError {
                    guard case .unavailable(_, .circuitOpen, let message) = error else { Issue.record("got \(error)"); continue }
                    #expect(message.contains("circuit open"), "\(message)")
                }
            }
            #expect(backend.connectAttempts == attempts)
        }
    }

    @Test("after the cool-down one probe at a time goes to the server; the others fail at once")
    func oneProbe() async throws {
        try await TestRedisServer.with { server in
            let backend = try Self.backend(server.url)
            defer { backend.shutdown() }
            let cache = Cache(backend: backend, logger: Self.quiet)
            // A loaded machine may need more than 100 ms for the first connect,
            // and that timeout opens the circuit for its cool-down: 20 s.
            #expect(await MemcachedTesting.eventually(attempts: 200) { try await cache.set("k", "v") })
            try await server.signal("STOP")
            defer { Task { try? await server.signal("CONT") } }
            for _ in 0..<3 { _ = try? await cache.get("k", as: String.self) }
            #expect(backend.breakers[0].state == .open)
            try await Task.sleep(for: .milliseconds(500))   // past the cool-down (300 ms ± 20 %)
            let attempts = backend.connectAttempts
            let outcomes = await withTaskGroup(of: CacheError?.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        do {
                            _ = try await cache.get("k", as: String.self)
                            return nil
                        } catch {
                            return error as? CacheError
                        }
                    }
                }
                var outcomes: [CacheError?] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let rejected = outcomes.filter { if case .unavailable(_, .circuitOpen, _)? = $0 { return true } else { return false } }
            let timedOut = outcomes.filter { if case .timeout? = $0 { return true } else { return false } }
            // The probe opens at most one connection (none if a connect from
            // before the outage finished late and left one in its slot).
            #expect(backend.connectAttempts <= attempts + 1, "one probe, at most one connection")
            #expect(timedOut.count == 1 && rejected.count == 9, "\(outcomes)")
        }
    }

    @Test("killed and restarted: errors, the circuit opens, and the first probe after the restart closes it")
    func recovery() async throws {
        try await TestRedisServer.with { server in
            let log = LogCapture()
            let backend = try Self.backend(server.url, failureMode: .miss, logger: log.logger)
            defer { backend.shutdown() }
            let cache = Cache(backend: backend, logger: Self.quiet)
            #expect(await MemcachedTesting.eventually(attempts: 50) { try await cache.set("k", "before") })
            await server.kill()
            for _ in 0..<200 {
                #expect(try await cache.get("k", as: String.self) == nil)
                #expect(try await cache.getOrSet("page") { "computed" } == "computed")
            }
            // A summary is due once a second: one more call after that, so the
            // test does not depend on how long the loop above took.
            try await Task.sleep(for: CircuitBreaker.summaryInterval + .milliseconds(100))
            #expect(try await cache.get("k", as: String.self) == nil)
            #expect(backend.breakers[0].state == .open)
            // One line when the circuit opened and a summary a second, never one per call.
            // (After 3 refusals, or after one call that timed out on a loaded machine.)
            let opened = log.warnings.filter { $0.contains("is unavailable after") }
            #expect(opened.count == 1, "\(log.warnings)")
            #expect(log.warnings.count <= 6, "\(log.warnings)")
            #expect(log.warnings.contains { $0.contains("still unavailable") && $0.contains("last error") }, "\(log.warnings)")
            #expect(log.warnings.contains { $0.contains("writes to it are dropped") }, "\(log.warnings)")
            try await server.start()
            let recovered = await MemcachedTesting.eventually(attempts: 100, pause: .milliseconds(50)) {
                try await cache.set("k", "after")
                guard try await cache.get("k", as: String.self) == "after" else { throw CacheError.keyNotFound(key: "k") }
            }
            #expect(recovered)
            #expect(backend.breakers[0].state == .closed)
            #expect(log.messages.contains { $0.contains("reachable again") }, "\(log.messages)")
        }
    }

    @Test("a wrong password and a missing database are typed errors")
    func credentials() async throws {
        try await TestRedisServer.with(["--requirepass", "s3cret", "--databases", "4"]) { server in
            let wrong = try Self.backend("redis://:nope@127.0.0.1:\(server.port)/0", timeout: .seconds(5))
            defer { wrong.shutdown() }
            do {
                _ = try await Cache(backend: wrong).get("k", as: String.self)
                Issue.record("a wrong password was accepted")
            } catch CacheError.unavailable(_, let reason, let message) {
                #expect(reason == .authenticationFailed)
                #expect(message.contains("check the user name and password"), "\(message)")
            }
            let missing = try Self.backend("redis://:s3cret@127.0.0.1:\(server.port)/9", timeout: .seconds(5))
            defer { missing.shutdown() }
            do {
                _ = try await Cache(backend: missing).get("k", as: String.self)
                Issue.record("database 9 of 4 was accepted")
            } catch CacheError.unavailable(_, let reason, let message) {
                #expect(reason == .databaseMissing)
                #expect(message.contains("database number"), "\(message)")
            }
        }
    }

    @Test("settings: failureMode and the breaker options are read; bad values name the option")
    func settings() throws {
        let caches = try RedisBackendTests.caches("""
            { "caches": { "default": { "backend": "redis", "location": "redis://127.0.0.1:1/0",
              "options": { "failureMode": "miss", "breakerThreshold": 5, "breakerCoolDown": 0.25, "timeout": 0.1 } } } }
            """)
        let backend = try #require(try caches["default"].backend as? RedisCacheBackend)
        #expect(backend.configuration.failureMode == .miss)
        #expect(backend.configuration.client.breaker.failureThreshold == 5)
        #expect(backend.configuration.client.breaker.coolDown == .milliseconds(250))
        #expect(backend.configuration.client.breaker.alias == "default")
        for (option, fragment) in [(#""failureMode": "ignore""#, "\"error\" or \"miss\""), (#""breakerCoolDown": 0"#, "breakerCoolDown")] {
            do {
                _ = try RedisBackendTests.caches(
                    #"{ "caches": { "default": { "backend": "redis", "location": "redis://h", "options": { "# + option + " } } } }")
                Issue.record("accepted \(option)")
            } catch let error as CacheConfigurationError {
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
    }
}
