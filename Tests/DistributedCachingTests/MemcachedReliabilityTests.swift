import Caching
import CachingTestSupport
import Foundation
import MemcachedCaching
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 16 on memcached: whole-call timeouts, the circuit breaker and typed
/// errors, against memcached processes the tests stop and kill. Bounds on
/// time only catch the old behaviour (a full timeout per phase); they are
/// generous for a loaded CI.
@Suite("Memcached reliability", .timeLimit(.minutes(2)))
struct MemcachedReliabilityTests {
    @Test("nothing listening: connection refused, typed and worded so")
    func refused() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let cache = MemcachedTesting.cache(try MemcachedTesting.backend(["127.0.0.1:\(port)"]))
        do {
            _ = try await cache.get("k", as: String.self)
            Issue.record("a read with nothing listening succeeded")
        } catch let error as CacheError {
            guard case .unavailable(_, let reason, let message) = error else { Issue.record("got \(error)"); return }
            #expect(reason == .connectionRefused)
            #expect(message.contains("127.0.0.1:\(port)") && message.contains("connection refused"), "\(message)")
        }
    }

    @Test("a hung server (SIGSTOP): a 100 ms call ends as a timeout within 2 s, and that opens the circuit: no connection is tried")
    func hungServer() async throws {
        try await MemcachedTestServer.with { server in
            let backend = try MemcachedTesting.backend(
                [server.location], timeout: .milliseconds(100), connectionsPerServer: 1,
                breaker: CircuitBreakerSettings(failureThreshold: 3, coolDown: .seconds(2)))
            let cache = MemcachedTesting.cache(backend)
            // A loaded machine may need more than 100 ms for the first connect,
            // and that timeout opens the circuit for its 2 s cool-down: 20 s.
            #expect(await MemcachedTesting.eventually(attempts: 200) { try await cache.set("k", "v") })
            server.signal(SIGSTOP)
            defer { server.signal(SIGCONT) }
            // One call that waits out its timeout opens the circuit, below the
            // threshold of 3: a second call would only wait as long again.
            let clock = ContinuousClock()
            let start = clock.now
            do {
                _ = try await cache.get("k", as: String.self)
                Issue.record("a stopped server answered")
            } catch let error as CacheError {
                guard case .timeout = error else { Issue.record("got \(error)"); return }
            }
            #expect(clock.now - start < .seconds(2), "the call was not bounded by its timeout")
            #expect(backend.breakers[0].state == .open)
            let attempts = backend.connectAttempts
            for _ in 0..<20 {
                await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }
            }
            #expect(backend.connectAttempts == attempts)
            do {
                try await cache.set("k", "w")
                Issue.record("a write to a stopped server succeeded")
            } catch CacheError.unavailable(_, let reason, _) {
                #expect(reason == .circuitOpen)
            }
        }
    }

    @Test("miss mode on a hung server: getOrSet computes, within a bound, and recovery follows the resume")
    func missModeHung() async throws {
        try await MemcachedTestServer.with { server in
            let backend = try MemcachedTesting.backend(
                [server.location], failureMode: .miss, timeout: .milliseconds(100), connectionsPerServer: 1,
                breaker: CircuitBreakerSettings(failureThreshold: 3, coolDown: .milliseconds(200)))
            let cache = MemcachedTesting.cache(backend)
            #expect(await MemcachedTesting.eventually(attempts: 50) {
                try await cache.set("k", "v")
                guard try await cache.get("k", as: String.self) == "v" else { throw CacheError.keyNotFound(key: "k") }
            })
            server.signal(SIGSTOP)
            let clock = ContinuousClock()
            for _ in 0..<5 {
                let start = clock.now
                #expect(try await cache.getOrSet("page") { "computed" } == "computed")
                #expect(clock.now - start < .seconds(2))
            }
            server.signal(SIGCONT)
            let recovered = await MemcachedTesting.eventually(attempts: 100, pause: .milliseconds(50)) {
                guard try await cache.get("k", as: String.self) == "v" else { throw CacheError.keyNotFound(key: "k") }
            }
            #expect(recovered)
            #expect(backend.breakers[0].state == .closed)
        }
    }
}
