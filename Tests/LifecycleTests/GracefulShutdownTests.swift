import CachingTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A demo executable and how it is told its port and settings.
enum DemoProgram: String, Sendable, CustomTestStringConvertible {
    case hummingbird = "caching-demo"
    case vapor = "caching-demo-vapor"

    var testDescription: String { rawValue }

    func arguments(port: Int, settings: String) -> [String] {
        switch self {
        case .hummingbird: return ["--port", "\(port)", "--settings", settings]
        case .vapor: return ["--settings", settings, "serve", "--hostname", "127.0.0.1", "--port", "\(port)"]
        }
    }

    /// The demos of this build (the Vapor one needs the package's Vapor trait).
    static var built: [DemoProgram] {
        #if Vapor
        return [.hummingbird, .vapor]
        #else
        return [.hummingbird]
        #endif
    }
}

/// SIGTERM to the built `caching-demo` and `caching-proxy`, with requests in
/// flight: the pages are the demo's `/slow/<id>`, which wait until the test
/// sets `demo:slow:<id>:release` in the demo's Redis, so the requests are
/// surely in flight when the signal arrives and for as long as the test needs.
@Suite("SIGTERM: caching-demo and caching-proxy drain their requests, then close their caches", .serialized)
struct GracefulShutdownTests {
    /// The final Redis key of the demo's `demo:slow:<id>:<what>` (no key prefix, version 1).
    static func slowKey(_ id: String, _ what: String) -> String { ":1:demo:slow:\(id):\(what)" }

    /// Starts the slow requests for `ids` at `base`, waits until the demo has
    /// started each (its `started` key is in Redis), and returns their task.
    static func startSlowRequests(_ ids: [String], at base: String, gate redis: PrivateServer) async throws
        -> Task<[String: (status: Int32, body: String)], any Error> {
        let requests = Task {
            try await withThrowingTaskGroup(of: (String, (status: Int32, body: String)).self) { group in
                for id in ids {
                    group.addTask { (id, try await curlGet(base + "/slow/\(id)?seconds=60")) }
                }
                var results: [String: (status: Int32, body: String)] = [:]
                for try await (id, result) in group { results[id] = result }
                return results
            }
        }
        for id in ids {
            var started = false
            for _ in 0..<600 {
                if try await redis.redis("EXISTS", slowKey(id, "started")) == "1" {
                    started = true
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(started, "the slow request \(id) never started")
        }
        return requests
    }

    /// Every request answered 200 with its whole page (curl exit status 0:
    /// not cut), released through the cache after the signal.
    static func expectComplete(_ results: [String: (status: Int32, body: String)], ids: [String]) {
        #expect(results.count == ids.count)
        for id in ids {
            guard let result = results[id] else {
                Issue.record("no answer for \(id)")
                continue
            }
            #expect(result.status == 0, "curl for \(id) exited \(result.status) (18: the body was cut)")
            #expect(result.body.hasSuffix("\n200"), "\(id): \(result.body.suffix(200))")
            #expect(result.body.contains("end of slow page \(id)</p>"), "\(id): the body is cut")
            #expect(result.body.contains("answered released through the cache"))
            #expect(result.body.components(separatedBy: "of slow page \(id):").count == 1001, "\(id): all 1,000 lines")
        }
    }

    @Test("a demo: in-flight requests finish whole, new connections are refused, every pool closes, exit 0",
          arguments: DemoProgram.built)
    func demo(_ program: DemoProgram) async throws {
        let redis = try await PrivateServer.start(.redis)
        let memcached = try await PrivateServer.start(.memcached)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let application = "lifecycle-demo-\(suffix)"
        let table = "lifecycle_demo_\(suffix)"
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-lifecycle-demo-" + suffix
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            try Data("""
                { "caches": {
                    "default": { "backend": "redis", "location": "redis://127.0.0.1:\(redis.port)/0", "options": { "timeout": 10 } },
                    "sessions": { "backend": "memcached", "location": "127.0.0.1:\(memcached.port)", "options": { "timeout": 10 } },
                    "database": { "backend": "postgres", "location": "\(table)",
                                  "options": { "url": "\(TestPostgres.url(applicationName: application))", "createTable": true } },
                    "local": { "backend": "sqlite", "location": "cache_table", "options": { "path": "\(directory)/cache.sqlite3" } }
                } }
                """.utf8).write(to: URL(fileURLWithPath: directory + "/caches.json"))
            let port = try FreePort.next()
            let demo = try RunningProgram(program.rawValue, program.arguments(port: port, settings: directory + "/caches.json"))
            let base = "http://127.0.0.1:\(port)"
            #expect(try await ChildProcess.curlUntilOK(base + "/").hasPrefix("HTTP/1.1 200"), "\(demo.output)")
            let ids = (1...3).map { "\(program)-\(suffix)-\($0)" }
            let requests = try await Self.startSlowRequests(ids, at: base, gate: redis)
            // The requests hold connections of every pool.
            #expect(try await redis.clientConnections() > 0)
            #expect(try await memcached.clientConnections() > 0)
            #expect(try await TestPostgres.connections(applicationName: application) > 0)

            demo.send(SIGTERM)
            #expect(try await refusesConnections(port), "new connections are refused once shutdown begins")
            // Still draining: the process runs, no request has finished.
            #expect(demo.isRunning)
            for id in ids { #expect(try await redis.redis("EXISTS", Self.slowKey(id, "finished")) == "0") }

            for id in ids { _ = try await redis.redis("SET", Self.slowKey(id, "release"), "1") }
            Self.expectComplete(try await requests.value, ids: ids)
            // Each request reached its caches after the signal.
            for id in ids { #expect(try await redis.redis("EXISTS", Self.slowKey(id, "finished")) == "1") }
            #expect(try await TestPostgres.query("SELECT count(*) FROM \(table) WHERE cache_key LIKE '%:finished'") == "\(ids.count)")

            let status = try await demo.exitStatus(within: 30)
            #expect(status == 0, "exit status \(String(describing: status)); output:\n\(demo.output.suffix(3000))")
            #expect(demo.output.contains("caches shut down"), "\(demo.output.suffix(3000))")
            #expect(try await redis.connectionsAfterClientsLeave() == 0)
            #expect(try await memcached.connectionsAfterClientsLeave() == 0)
            #expect(try await TestPostgres.connections(applicationName: application, untilZero: true) == 0)
        } catch {
            Issue.record(error)
        }
        _ = try? await TestPostgres.query("DROP TABLE IF EXISTS \(table)")
        try? FileManager.default.removeItem(atPath: directory)
        await redis.stop()
        await memcached.stop()
    }

    @Test("caching-proxy in front of a slow origin: in-flight requests finish whole, new connections are refused, its pool closes, exit 0")
    func proxy() async throws {
        let redis = try await PrivateServer.start(.redis)
        let memcached = try await PrivateServer.start(.memcached)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-lifecycle-proxy-" + suffix
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            // The origin: the demo, its slow pages gated through its Redis.
            try Data("""
                { "caches": { "default": { "backend": "redis", "location": "redis://127.0.0.1:\(redis.port)/0", "options": { "timeout": 10 } } } }
                """.utf8).write(to: URL(fileURLWithPath: directory + "/origin.json"))
            // The proxy keeps its responses in memcached.
            try Data("""
                { "caches": { "default": { "backend": "memcached", "location": "127.0.0.1:\(memcached.port)", "options": { "timeout": 10 } } } }
                """.utf8).write(to: URL(fileURLWithPath: directory + "/proxy.json"))
            let originPort = try FreePort.next()
            let origin = try RunningProgram("caching-demo", ["--port", "\(originPort)", "--settings", directory + "/origin.json"])
            #expect(try await ChildProcess.curlUntilOK("http://127.0.0.1:\(originPort)/").hasPrefix("HTTP/1.1 200"), "\(origin.output)")
            let port = try FreePort.next()
            let proxy = try RunningProgram("caching-proxy", [
                "--listen", "127.0.0.1:\(port)", "--upstream", "http://127.0.0.1:\(originPort)", "--settings", directory + "/proxy.json",
            ])
            let base = "http://127.0.0.1:\(port)"
            #expect(try await ChildProcess.curlUntilOK(base + "/").hasPrefix("HTTP/1.1 200"), "\(proxy.output)")
            let ids = (1...3).map { "proxy-\(suffix)-\($0)" }
            let requests = try await Self.startSlowRequests(ids, at: base, gate: redis)
            #expect(try await memcached.clientConnections() > 0)

            proxy.send(SIGTERM)
            #expect(try await refusesConnections(port), "new connections are refused once shutdown begins")
            #expect(proxy.isRunning)
            for id in ids { #expect(try await redis.redis("EXISTS", Self.slowKey(id, "finished")) == "0") }

            for id in ids { _ = try await redis.redis("SET", Self.slowKey(id, "release"), "1") }
            Self.expectComplete(try await requests.value, ids: ids)

            let status = try await proxy.exitStatus(within: 30)
            #expect(status == 0, "exit status \(String(describing: status)); output:\n\(proxy.output.suffix(3000))")
            #expect(proxy.output.contains("caches shut down"), "\(proxy.output.suffix(3000))")
            #expect(try await memcached.connectionsAfterClientsLeave() == 0)

            origin.send(SIGTERM)
            #expect(try await origin.exitStatus(within: 30) == 0, "\(origin.output.suffix(3000))")
        } catch {
            Issue.record(error)
        }
        try? FileManager.default.removeItem(atPath: directory)
        await redis.stop()
        await memcached.stop()
    }
}
