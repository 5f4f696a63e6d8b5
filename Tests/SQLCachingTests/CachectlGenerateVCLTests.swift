import CachingTestSupport
import Foundation
import Testing

@Suite("cachectl generate-vcl")
struct CachectlGenerateVCLTests {
    @Test("prints the vcl_hash for the settings' rules; an unknown policy is a one-line error naming the rule")
    func generateVCL() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-vcl-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = """
            { "caches": { "default": { "backend": "memory" } },
              "cacheHeaders": { "timeouts": { "all-users": { "600": ["^/news/"] }, "per-user": { "60": ["^/account/"] } } } }
            """
        try settings.write(toFile: directory + "/caches.json", atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(CachectlTests.binary(), ["generate-vcl"], directory: directory)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.hasPrefix("sub vcl_hash {"))
        #expect(result.output.contains("if (req.url ~ {\"^/account/\"}) {\n        set req.http.Hash-Cookies = \"messages|sessionid\";"))
        #expect(result.output.contains("else if (req.url ~ {\"^/news/\"}) {\n        set req.http.Hash-Cookies = \"messages\";"))

        let bad = """
            { "caches": { "default": { "backend": "memory" } },
              "cacheHeaders": { "timeouts": { "nobody": { "600": ["^/x/"] } } } }
            """
        try bad.write(toFile: directory + "/caches.json", atomically: true, encoding: .utf8)
        let failed = try await ChildProcess.run(CachectlTests.binary(), ["generate-vcl"], directory: directory)
        #expect(failed.status == 1)
        #expect(failed.errors.hasPrefix(
            "error: caches.json: cacheHeaders.timeouts.nobody: unknown policy \"nobody\"; the policies here are all-users, "), "\(failed.errors)")
        #expect(failed.errors.split(separator: "\n").count == 1)
    }
}
