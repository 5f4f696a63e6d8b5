import Caching
import CachingDemoSite
import CachingTestSupport
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdTesting
import Testing

/// The Hummingbird adapter held to the same table of cases as the Vapor one
/// (``CachingTestSupport/DemoSiteCase``), on the same pages, through a live
/// Hummingbird server.
@Suite("HummingbirdCaching: the shared cases on the demo")
struct SharedCaseTests {
    @Test("each case holds", arguments: DemoSiteCase.runs)
    func holds(_ entry: DemoSiteCase, _ mode: HTTPCacheSettings.Mode) async throws {
        let caches = try isolatedCaches()
        let router = try DemoSite(caches: caches).router()
        let responder = try CachingResponder(router.buildResponder(), settings: HTTPCacheSettings(mode: mode, debugHeaders: true), caches: caches)
        let failures = try await Application(responder: responder).test(.live) { client in
            try await entry.run { method, path, fields in
                let response = try await client.execute(uri: path, method: method, headers: fields)
                return SiteReply(status: response.status.code, fields: response.headers, body: Array(response.body.readableBytesView))
            }
        }
        #expect(failures.isEmpty, "\(entry.name) [\(mode.rawValue)]: \(failures.joined(separator: "; "))")
    }
}

@Suite("HummingbirdCaching: hostile request heads")
struct HummingbirdBadInputTests {
    @Test("malformed, huge and odd request heads never crash the cached app, and it goes on serving")
    func badHeads() async throws {
        let caches = try isolatedCaches()
        let router = try DemoSite(caches: caches).router()
        let responder = try CachingResponder(router.buildResponder(), settings: HTTPCacheSettings(debugHeaders: true), caches: caches)
        let port = try FreePort.next()
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let lines = try await app.test(.live) { client -> [String: String] in
            var lines: [String: String] = [:]
            let port = client.port ?? port
            for probe in RawHTTPProbe.badHeads {
                lines[probe.name] = try await RawHTTPProbe.firstLine(port: port, bytes: probe.bytes)
            }
            let after = try await client.execute(uri: "/site", method: .get)
            #expect(after.status == .ok)
            return lines
        }
        for (name, line) in lines { #expect(line.isEmpty || line.hasPrefix("HTTP/1.1 "), "\(name): \(line)") }
        // A malformed head is refused (an error status, or the connection closed), never served a page.
        for name in RawHTTPProbe.malformed { #expect(!(lines[name] ?? "").contains(" 200 "), "\(name): \(lines[name] ?? "")") }
    }
}
