import CachingTestSupport
import Foundation
import Testing

/// Starts the built `caching-demo` executable and fetches its pages with curl,
/// as a user following the README would.
@Suite("caching-demo smoke test")
struct DemoSmokeTests {
    /// The build folder the test bundle runs from (`swift test` builds the demo there too).
    static var buildDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".")
        while url.pathComponents.count > 1, !FileManager.default.fileExists(atPath: url.appendingPathComponent("caching-demo").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// curl, run without blocking a thread of the test's concurrency pool (on
    /// two cores that pool has two threads, and in-process servers need them).
    static func curl(_ arguments: [String]) async throws -> String {
        try await ChildProcess.run("/usr/bin/env", ["curl", "-s", "-i", "--max-time", "5"] + arguments).output
    }

    /// The value of the first `name` header field in a curl -i transcript.
    static func header(_ name: String, in transcript: String) -> String? {
        for line in transcript.components(separatedBy: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    @Test("the demo serves its home page, caches /site and answers a conditional request with 304")
    func demoRuns() async throws {
        let binary = Self.buildDirectory.appendingPathComponent("caching-demo")
        #expect(FileManager.default.isExecutableFile(atPath: binary.path), "build caching-demo first (swift build)")
        let port = 19_000 + Int.random(in: 0..<1000)
        let demo = Process()
        demo.executableURL = binary
        demo.arguments = ["--port", String(port)]
        demo.standardOutput = FileHandle.nullDevice
        demo.standardError = FileHandle.nullDevice
        try demo.run()
        defer { demo.terminate() }
        let base = "http://127.0.0.1:\(port)"
        let home = try await ChildProcess.curlUntilOK(base + "/")
        #expect(home.hasPrefix("HTTP/1.1 200"))
        #expect(home.contains("Memoized computation"))
        // A HEAD for a page not cached yet is answered through its GET route (spec §6).
        let firstHead = try await Self.curl(["-I", base + "/site"])
        #expect(firstHead.hasPrefix("HTTP/1.1 200"))
        _ = try await Self.curl([base + "/site"])
        let site = try await Self.curl([base + "/site"])
        #expect(site.contains("X-Cache: HIT"))
        // Django's order: a cached page is answered 304 to its own ETag, and a
        // HEAD hit carries the ETag and the GET body's Content-Length.
        let etag = try #require(Self.header("ETag", in: site))
        #expect(try await Self.curl(["-H", "If-None-Match: \(etag)", base + "/site"]).hasPrefix("HTTP/1.1 304"))
        let head = try await Self.curl(["-I", base + "/site"])
        #expect(Self.header("ETag", in: head) == etag)
        let body = site.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(Self.header("Content-Length", in: head) == String(body.utf8.count))
        #expect(try await Self.curl(["-H", "If-None-Match: \"article-v3\"", base + "/article"]).hasPrefix("HTTP/1.1 304"))
        #expect(try await Self.curl([base + "/never"]).contains("Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private"))
        let policy = try await Self.curl([base + "/policies/per-user"])
        #expect(policy.contains("Cache-Control: max-age=100, s-maxage=60"))
        #expect(policy.contains("X-Hash-Cookies: messages|sessionid"))
        #expect(try await Self.curl(["-X", "POST", base + "/policies/login"]).contains("Set-Cookie: isauthenticated=1; Path=/"))
        let first = try await Self.curl([base + "/fragment"])
        let second = try await Self.curl([base + "/fragment"])
        let sidebar = { (page: String) in page.components(separatedBy: "Rendered at ").dropFirst().first?.prefix(20) }
        #expect(sidebar(first) != nil)
        #expect(sidebar(first) == sidebar(second))
    }
}

/// Real Varnish in front of the demo, with the VCL generated from its URL
/// policies (scripts/varnish-check.sh): anonymous pages come from Varnish, and
/// per-user pages never reach another user's session.
@Suite("Varnish in front of the demo")
struct VarnishCheckTests {
    @Test("scripts/varnish-check.sh passes")
    func varnish() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/varnish-check.sh").path
        let demo = DemoSmokeTests.buildDirectory.appendingPathComponent("caching-demo").path
        let result = try await ChildProcess.run("/usr/bin/env", ["CACHING_DEMO=\(demo)", "bash", script])
        let output = result.output + result.errors
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("ok   - per-user page: Bob never gets Alice's page"))
        #expect(output.contains("ok   - cross-user: "), "\(output)")
    }
}

/// Purge by tag, end to end (scripts/varnish-purge-check.sh): real Varnish
/// with the xkey VCL of `cachectl generate-vcl --xkey` in front of the demo;
/// `cachectl purge --tag` drops the tagged page and keeps the other.
@Suite("Varnish purge by tag in front of the demo")
struct VarnishPurgeCheckTests {
    @Test("scripts/varnish-purge-check.sh passes")
    func purge() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/varnish-purge-check.sh").path
        let demo = DemoSmokeTests.buildDirectory.appendingPathComponent("caching-demo").path
        let cachectl = DemoSmokeTests.buildDirectory.appendingPathComponent("cachectl").path
        let result = try await ChildProcess.run("/usr/bin/env", ["CACHING_DEMO=\(demo)", "CACHECTL=\(cachectl)", "bash", script])
        let output = result.output + result.errors
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("ok   - the purged page is a miss"), "\(output)")
        #expect(output.contains("ok   - the other page is still a hit"), "\(output)")
    }
}
