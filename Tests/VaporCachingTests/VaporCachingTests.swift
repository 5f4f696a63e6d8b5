#if Vapor
import Caching
import CachingDemoVaporSite
import CachingTestSupport
import Foundation
import NIOConcurrencyHelpers
import HTTPCaching
import HTTPTypes
import Testing
import Vapor
import VaporCaching
import VaporTesting

/// The Vapor adapter held to the same table of cases as the Hummingbird one
/// (``CachingTestSupport/DemoSiteCase``), on the same pages, through a real
/// Vapor server.
@Suite("VaporCaching: the shared cases on the Vapor demo")
struct VaporSharedCaseTests {
    @Test("each case holds", arguments: DemoSiteCase.runs)
    func holds(_ entry: DemoSiteCase, _ mode: HTTPCacheSettings.Mode) async throws {
        let caches = try isolatedCaches()
        let server = try await VaporTestServer.start { app in
            app.middleware.use(try CachingMiddleware(settings: HTTPCacheSettings(mode: mode, debugHeaders: true), caches: caches))
            try VaporDemoSite(caches: caches).register(on: app)
        }
        let failures: [String]
        do {
            failures = try await entry.run { method, path, fields in try await server.send(method, path, fields) }
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
        #expect(failures.isEmpty, "\(entry.name) [\(mode.rawValue)]: \(failures.joined(separator: "; "))")
    }
}

@Suite("VaporCaching: Django's order placed by hand, and the route helpers")
struct VaporMiddlewareTests {
    @Test("update, conditional GET and fetch as three global middleware answer a cached page's ETag with 304")
    func threeSteps() async throws {
        let caches = try isolatedCaches()
        let pageCache = PageCache(cache: caches.default, configuration: PageCacheConfiguration(debugHeaders: true))
        let counter = Counter()
        try await withApp(configure: { app in
            app.middleware.use(UpdateCacheMiddleware(pageCache))
            app.middleware.use(ConditionalGetMiddleware())
            app.middleware.use(FetchFromCacheMiddleware(pageCache))
            app.get("page") { _ in "rendered \(counter.next())" }
        }) { app in
            try await app.testing().test(.GET, "/page") { response in
                #expect(response.headers.first(name: "X-Cache") == "MISS")
                #expect(response.body.string == "rendered 1")
            }
            var etag = ""
            try await app.testing().test(.GET, "/page") { response in
                #expect(response.headers.first(name: "X-Cache") == "HIT")
                #expect(response.body.string == "rendered 1")
                etag = response.headers.first(name: .eTag) ?? ""
            }
            #expect(!etag.isEmpty)
            try await app.testing().test(.GET, "/page", headers: ["If-None-Match": etag]) { response in
                #expect(response.status == .notModified)
            }
            #expect(counter.value == 1)
        }
    }

    @Test("cachePage on a route group stores its pages; neverCache and cacheControl set their headers")
    func routeHelpers() async throws {
        let caches = try isolatedCaches()
        let counter = Counter()
        try await withApp(configure: { app in
            app.cachePage(30, cache: caches.default, keyPrefix: "route").get("cached") { _ in "page \(counter.next())" }
            app.neverCache().get("never") { _ in "never" }
            app.cacheControl([.public, .maxAge(5)]).get("public") { _ in "public" }
            app.varyOnCookie().get("cookie") { _ in "cookie" }
        }) { app in
            for _ in 0..<3 {
                try await app.testing().test(.GET, "/cached") { response in
                    #expect(response.body.string == "page 1")
                    #expect(response.headers.first(name: .cacheControl) == "max-age=30")
                }
            }
            try await app.testing().test(.GET, "/never") { response in
                #expect(response.headers.first(name: .cacheControl) == "max-age=0, no-cache, no-store, must-revalidate, private")
                #expect(response.headers.first(name: .expires) != nil)
            }
            try await app.testing().test(.GET, "/public") { response in
                #expect(response.headers.first(name: .cacheControl) == "public, max-age=5")
            }
            try await app.testing().test(.GET, "/cookie") { response in
                #expect(response.headers.first(name: .vary) == "Cookie")
            }
        }
    }

    @Test("ConditionalGetMiddleware gives a dynamic route an ETag and answers it with 304, W/ and * included")
    func conditionalGet() async throws {
        try await withApp(configure: { app in
            app.conditionalPage().get("dynamic") { _ in "the same body" }
        }) { app in
            var etag = ""
            try await app.testing().test(.GET, "/dynamic") { response in
                etag = response.headers.first(name: .eTag) ?? ""
            }
            #expect(etag.hasPrefix("\""))
            for value in [etag, "W/" + etag, "*", "\"other\", " + etag] {
                try await app.testing().test(.GET, "/dynamic", headers: ["If-None-Match": value]) { response in
                    #expect(response.status == .notModified, "\(value)")
                }
            }
            try await app.testing().test(.GET, "/dynamic", headers: ["If-Match": "\"other\""]) { response in
                #expect(response.status == .preconditionFailed)
                #expect(response.headers.first(name: .contentType) == "text/html; charset=utf-8")
            }
        }
    }

    @Test("concurrent misses for one URL run the handler once (stampede protection)")
    func stampede() async throws {
        let caches = try isolatedCaches()
        let counter = Counter()
        let server = try await VaporTestServer.start { app in
            app.middleware.use(try CachingMiddleware(settings: HTTPCacheSettings(debugHeaders: true), caches: caches))
            app.get("slow") { _ in
                try await Task.sleep(for: .milliseconds(300))
                return "slow \(counter.next())"
            }
        }
        let bodies = try await server.stopping { server in
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await server.send(.get, "/slow").text } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
        }
        #expect(Set(bodies) == ["slow 1"])
        #expect(counter.value == 1)
    }
}

@Suite("VaporCaching: Vapor's req.cache and app.caches served by swift-caching")
struct VaporCacheBridgeTests {
    @Test("app.caches.configure builds the aliases from settings, and .swiftCaching serves req.cache with expiry")
    func bridge() async throws {
        let location = "vapor-bridge-" + UUID().uuidString
        let settings = try CacheSettings(json: Data(#"{"caches": {"default": {"backend": "memory", "location": "\#(location)"}, "sessions": {"backend": "memory", "location": "\#(location)-s", "keyPrefix": "s"}}}"#.utf8))
        try await withApp(configure: { app in
            try app.caches.configure(settings: settings)
            app.caches.use(.swiftCaching("sessions"))
            app.get("set") { request in
                try await request.cache.set("user", to: ["name": "alice"], expiresIn: .seconds(60))
                try await request.cache.set("short", to: 1, expiresIn: .seconds(1))
                return "ok"
            }
            app.get("get") { request in
                let user: [String: String]? = try await request.cache.get("user")
                return user?["name"] ?? "missing"
            }
            app.get("delete") { request in
                try await request.cache.delete("user")
                return "deleted"
            }
        }) { app in
            #expect(app.caches.swiftCaching.aliases == ["default", "sessions"])
            try await app.testing().test(.GET, "/set") { #expect($0.body.string == "ok") }
            try await app.testing().test(.GET, "/get") { #expect($0.body.string == "alice") }
            // Stored in the alias's own cache, under its key prefix, as JSON text.
            let sessions = try app.caches.swiftCaching["sessions"]
            #expect(try await sessions.get("user", as: String.self) == #"{"name":"alice"}"#)
            #expect(try await app.caches.swiftCaching.default.get("user", as: String.self) == nil)
            // expiresIn is the entry's timeout.
            try await Task.sleep(for: .milliseconds(1_300))
            #expect(try await app.cache.get("short", as: Int.self) == nil)
            try await app.testing().test(.GET, "/delete") { #expect($0.body.string == "deleted") }
            try await app.testing().test(.GET, "/get") { #expect($0.body.string == "missing") }
        }
    }

    @Test("an alias that is not configured fails each call with an error naming it")
    func unknownAlias() async throws {
        try await withApp(configure: { app in
            app.caches.use(.swiftCaching("nope"))
        }) { app in
            await #expect(throws: CacheConfigurationError.self) { try await app.cache.get("k", as: String.self) }
            do {
                _ = try await app.cache.get("k", as: String.self)
            } catch {
                #expect("\(error)".contains("The cache alias 'nope' used by app.caches.use(.swiftCaching(\"nope\")) is not configured"))
            }
        }
    }

    @Test("a bad settings document is an error naming the member and its path")
    func badSettings() async throws {
        try await withApp { app in
            let settings = try CacheSettings(json: Data(#"{"caches": {"default": {"backend": "memory", "options": {"maxEntrys": 5}}}}"#.utf8))
            #expect(throws: CacheConfigurationError.self) { try app.caches.configure(settings: settings) }
            do {
                try app.caches.configure(settings: settings)
            } catch {
                #expect("\(error)".contains(#"caches.default.options.maxEntrys: unknown option "maxEntrys"; did you mean "maxEntries"?"#))
            }
        }
    }
}

/// A thread-safe counter of handler runs.
final class Counter: Sendable {
    private let count = NIOLockedValueBox(0)

    /// Counts one and returns the new count.
    func next() -> Int { count.withLockedValue { $0 += 1; return $0 } }

    /// The count.
    var value: Int { count.withLockedValue { $0 } }
}
#endif

#if Vapor
/// The Vapor demo meets a bad settings file as the Hummingbird demo does: the
/// same table of mistakes, the same one line, exit status 1.
@Suite("caching-demo-vapor: start-up errors and a smoke run")
struct VaporDemoExecutableTests {
    @Test("each settings mistake is one line naming the file, the path and the fix; exit status 1")
    func startupErrors() async throws {
        let binary = try ChildProcess.builtExecutable("caching-demo-vapor")
        let directory = try StartupErrorCases.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for entry in StartupErrorCases.all {
            let file = "\(directory)/\(entry.name).json"
            let result = try await ChildProcess.run(binary, ["--settings", file, "serve", "--port", "1"])
            #expect(result.status == 1, "\(entry.name): \(result.errors)")
            #expect(result.errors == "error: \(file): \(entry.expected)\n", "\(entry.name)")
        }
        let missing = try await ChildProcess.run(binary, ["--settings", "\(directory)/nope.json"])
        #expect(missing.status == 1)
        #expect(missing.errors.hasPrefix("error: \(directory)/nope.json: the settings file does not exist"), "\(missing.errors)")
    }
}
#endif

#if Vapor
@Suite("VaporCaching: hostile request heads")
struct VaporBadInputTests {
    @Test("malformed, huge and odd request heads never crash the cached app, and it goes on serving")
    func badHeads() async throws {
        let caches = try isolatedCaches()
        let server = try await VaporTestServer.start { app in
            app.middleware.use(try CachingMiddleware(settings: HTTPCacheSettings(debugHeaders: true), caches: caches))
            try VaporDemoSite(caches: caches).register(on: app)
        }
        var lines: [String: String] = [:]
        do {
            for probe in RawHTTPProbe.badHeads {
                lines[probe.name] = try await RawHTTPProbe.firstLine(port: server.port, bytes: probe.bytes)
            }
            let after = try await server.send(.get, "/site")
            #expect(after.status == 200)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
        for (name, line) in lines { #expect(line.isEmpty || line.hasPrefix("HTTP/1.1 "), "\(name): \(line)") }
        // A malformed head is refused (an error status, or the connection closed), never served a page.
        for name in RawHTTPProbe.malformed { #expect(!(lines[name] ?? "").contains(" 200 "), "\(name): \(lines[name] ?? "")") }
    }
}

@Suite("caching-demo-vapor: a smoke run")
struct VaporDemoSmokeTests {
    @Test("the built demo serves its pages, caches /site and answers its ETag with 304")
    func demoRuns() async throws {
        let binary = try ChildProcess.builtExecutable("caching-demo-vapor")
        let port = try FreePort.next()
        let demo = Process()
        demo.executableURL = URL(fileURLWithPath: binary)
        demo.arguments = ["serve", "--hostname", "127.0.0.1", "--port", String(port)]
        demo.standardOutput = FileHandle.nullDevice
        demo.standardError = FileHandle.nullDevice
        try demo.run()
        defer { demo.terminate() }
        let base = "http://127.0.0.1:\(port)"
        let home = try await ChildProcess.curlUntilOK(base + "/")
        #expect(home.contains("Memoized computation"))
        _ = try await ChildProcess.run("/usr/bin/env", ["curl", "-s", base + "/site"])
        let hit = try await ChildProcess.run("/usr/bin/env", ["curl", "-s", "-i", base + "/site"]).output
        #expect(hit.contains("X-Cache: HIT"))
        let etag = hit.components(separatedBy: "\r\n").first { $0.hasPrefix("ETag: ") }.map { String($0.dropFirst(6)) } ?? ""
        let conditional = try await ChildProcess.run("/usr/bin/env", ["curl", "-s", "-i", "-H", "If-None-Match: \(etag)", base + "/site"]).output
        #expect(conditional.hasPrefix("HTTP/1.1 304"))
    }
}
#endif

#if Vapor
/// A backend that records being closed (otherwise the dummy backend).
struct ClosingBackend: CacheBackend {
    let closed: Counter
    var name: String { "closing" }
    func get(_ key: String) async throws -> CacheValue? { nil }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {}
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { true }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { false }
    func delete(_ key: String) async throws -> Bool { false }
    func hasKey(_ key: String) async throws -> Bool { false }
    func increment(_ key: String, by delta: Int) async throws -> Int { throw CacheError.keyNotFound(key: key) }
    func clear() async throws {}
    func close() async throws { _ = closed.next() }
}

@Suite("VaporCaching: the app's lifecycle")
struct VaporLifecycleTests {
    @Test("every configured backend is closed once when the application shuts down")
    func closedOnShutdown() async throws {
        let closed = Counter()
        var registry = CacheBackendRegistry.standard
        registry.register("closing") { _ in ClosingBackend(closed: closed) }
        let settings = try CacheSettings(json: Data(#"{"caches": {"default": {"backend": "closing"}, "other": {"backend": "closing"}}}"#.utf8))
        let app = try await Application.make(.testing)
        try app.caches.configure(settings: settings, registry: registry)
        #expect(closed.value == 0)
        try await app.asyncShutdown()
        #expect(closed.value == 2)
    }
}
#endif
