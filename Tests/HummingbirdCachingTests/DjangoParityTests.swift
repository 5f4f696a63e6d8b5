import CachingTestSupport
import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdTesting
import NIOCore
import Testing

/// The same views behind Django 5.2.19's recommended middleware order and
/// behind `CachingResponder`, asked the same requests: statuses and headers
/// must match, except the fields that name the server or the moment
/// (`Date`, `Server`; `Expires` and `Age` are compared by presence).
///
/// Django runs from `.build-django` (`scripts/install-django.sh`, which
/// `.ci/run` calls) or `$DJANGO_PYTHONPATH`; without it this test fails.
@Suite("Django 5.2.19 side by side (spec §6, §7)")
struct DjangoParityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One request of the script; `{etag}` in a header value is replaced by
    /// the ETag the server gave the previous response.
    struct Step: Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var headers: [String] = []
        var description: String { "\(method) \(path) \(headers)" }
    }

    static let steps: [Step] = [
        Step(method: "HEAD", path: "/page"),
        Step(method: "HEAD", path: "/page"),
        Step(method: "GET", path: "/page"),
        Step(method: "GET", path: "/page"),
        Step(method: "GET", path: "/page", headers: ["If-None-Match: {etag}"]),
        Step(method: "GET", path: "/page", headers: ["If-None-Match: W/{etag}"]),
        Step(method: "GET", path: "/page", headers: ["If-None-Match: *"]),
        Step(method: "GET", path: "/page", headers: ["If-Match: \"zzz\""]),
        Step(method: "HEAD", path: "/page"),
        Step(method: "HEAD", path: "/page", headers: ["If-None-Match: *"]),
        Step(method: "GET", path: "/vary", headers: ["Cookie: a=1"]),
        Step(method: "GET", path: "/vary", headers: ["Cookie: a=1"]),
        Step(method: "GET", path: "/vary", headers: ["Cookie: a=2"]),
        Step(method: "GET", path: "/modified"),
        Step(method: "GET", path: "/modified", headers: ["If-Modified-Since: Sun, 17 Jul 2016 10:00:00 GMT"]),
        Step(method: "GET", path: "/modified", headers: ["If-Modified-Since: Sun, 17 Jul 2016 09:59:59 GMT"]),
        Step(method: "GET", path: "/modified", headers: ["If-Unmodified-Since: Sun, 17 Jul 2016 09:00:00 GMT"]),
        Step(method: "GET", path: "/private"),
        Step(method: "GET", path: "/private"),
        Step(method: "GET", path: "/never"),
        Step(method: "GET", path: "/never"),
        Step(method: "GET", path: "/cookie"),
        Step(method: "GET", path: "/cookie"),
        Step(method: "GET", path: "/route"),
        Step(method: "GET", path: "/route"),
        Step(method: "HEAD", path: "/route"),
        Step(method: "GET", path: "/short"),
        Step(method: "GET", path: "/short", headers: ["Authorization: Basic eA=="]),
        Step(method: "GET", path: "/miss-304", headers: ["If-None-Match: *"]),
        Step(method: "GET", path: "/miss-304"),
    ]

    /// A Django `HttpResponse(body)`: its default Content-Type, plus `extra`.
    @Sendable static func text(_ body: String, _ extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        headers.append(contentsOf: extra)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Our side: the same views as django_parity_site.py.
    static func router(_ caches: Caches) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/page") { _, _ in Self.text("a page for everyone\n") }
        router.get("/miss-304") { _, _ in Self.text("a page for everyone\n") }
        router.get("/vary") { _, _ in Self.text("varies on cookie\n", [.vary: "Cookie"]) }
        router.get("/modified") { _, _ in Self.text("modified once\n", [.lastModified: "Sun, 17 Jul 2016 10:00:00 GMT"]) }
        router.get("/private", use: RouteCaching.cacheControl([.private, .maxAge(60)]) { _, _ in Self.text("mine\n") })
        router.get("/never", use: RouteCaching.neverCache { _, _ in Self.text("never stored\n") })
        router.get("/cookie") { _, _ in Self.text("sets a cookie\n", [.setCookie: "flavour=oat; Path=/"]) }
        router.get("/route", use: RouteCaching.cachePage(30, cache: caches.default, keyPrefix: "route") { _, _ in Self.text("cached by its route\n") })
        router.get("/short", use: RouteCaching.cacheControl([.maxAge(5)]) { _, _ in Self.text("short max-age\n") })
        return router
    }

    static func curl(_ port: Int, _ step: Step, etag: String?) async throws -> (status: Int, headers: [String: [String]]) {
        var arguments = ["curl", "-s", "-i", "--max-time", "5"]
        arguments += step.method == "HEAD" ? ["-I"] : ["-X", step.method]
        for header in step.headers {
            arguments += ["-H", header.replacingOccurrences(of: "{etag}", with: etag ?? "\"none\"")]
        }
        arguments.append("http://127.0.0.1:\(port)\(step.path)")
        // Without blocking a thread of the concurrency pool: our own server
        // answers from that pool, in this process.
        let output = try await ChildProcess.run("/usr/bin/env", arguments).output
        let head = output.components(separatedBy: "\r\n\r\n").first ?? ""
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: [String]] = [:]
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            headers[parts[0].lowercased(), default: []].append(parts[1].trimmingCharacters(in: .whitespaces))
        }
        return (status, headers)
    }

    /// What may differ: who serves, and when.
    static let ignored: Set<String> = ["date", "server", "connection"]
    /// Compared by presence only: they hold the time of the request.
    static let timed: Set<String> = ["expires", "age"]

    /// The fields to compare. On a 304, Django's `Content-Length: 0` comes from
    /// CommonMiddleware running after ConditionalGetMiddleware, and misstates
    /// the 200's length (RFC 9110 §8.6); Hummingbird's server sends none, so a
    /// 304's `Content-Length` is left out.
    static func comparable(_ headers: [String: [String]], status: Int) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (name, values) in headers where !ignored.contains(name) && !(status == 304 && name == "content-length") {
            result[name] = timed.contains(name) ? values.map { _ in "<present>" } : values.sorted()
        }
        return result
    }

    static func waitForPort(_ port: Int) async throws {
        for _ in 0..<100 {
            if (try? await curl(port, Step(method: "GET", path: "/never"), etag: nil))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("every step answers with Django's status and headers, through Hummingbird and with hits served at the connection", arguments: [false, true])
    func sideBySide(hitsAtConnection: Bool) async throws {
        let pythonPath = ProcessInfo.processInfo.environment["DJANGO_PYTHONPATH"] ?? Self.root.appendingPathComponent(".build-django").path
        let djangoThere = FileManager.default.fileExists(atPath: pythonPath + "/django/__init__.py")
        try #require(djangoThere, "Django 5.2.19 is not installed: run scripts/install-django.sh (looked in \(pythonPath))")
        let djangoPort = 20_000 + Int.random(in: 0..<2000)
        let django = Process()
        django.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        django.arguments = ["python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("django_parity_site.py").path, String(djangoPort)]
        django.environment = ProcessInfo.processInfo.environment.merging(["PYTHONPATH": pythonPath]) { $1 }
        django.standardOutput = FileHandle.nullDevice
        django.standardError = FileHandle.nullDevice
        try django.run()
        defer {
            // SIGKILL, not terminate(): the child inherits the test process's
            // signal mask, SIGTERM blocked, and Python would outlive the run.
            kill(django.processIdentifier, SIGKILL)
            django.waitUntilExit()
        }
        try await Self.waitForPort(djangoPort)

        let caches = try isolatedCaches()
        // Hot entries live a minute: every hit is answered at the connection.
        let responder = try CachingResponder(Self.router(caches).buildResponder(), settings: HTTPCacheSettings(hotStoreStaleness: 60), caches: caches)
        let app = hitsAtConnection
            ? Application(responder: responder, server: .http1(servingHitsFrom: responder)) : Application(responder: responder)
        try await app.test(.live) { client in
            let ourPort = try #require(client.port)
            // Both servers have seen /never once (the readiness probe); nothing cached.
            _ = try await Self.curl(ourPort, Step(method: "GET", path: "/never"), etag: nil)
            var djangoETag: String?, ourETag: String?
            for step in Self.steps {
                let theirs = try await Self.curl(djangoPort, step, etag: djangoETag)
                let ours = try await Self.curl(ourPort, step, etag: ourETag)
                #expect(ours.status == theirs.status, "\(step)")
                #expect(Self.comparable(ours.headers, status: ours.status) == Self.comparable(theirs.headers, status: theirs.status), "\(step)")
                djangoETag = theirs.headers["etag"]?.first ?? djangoETag
                ourETag = ours.headers["etag"]?.first ?? ourETag
            }
        }
    }
}
