import CachingTestSupport
import Foundation
import Testing

/// The executables as a new user meets them: a mistake in the settings file is
/// one line on standard error — `error: <file>: <json path>: <what to fix>` —
/// and exit status 1, never ArgumentParser's usage text.
@Suite("Start-up errors of caching-demo, caching-proxy and cachectl")
struct StartupErrorTests {
    /// Runs a built executable of the package and returns its status and standard error.
    static func run(_ product: String, _ arguments: [String]) async throws -> (status: Int32, errors: String) {
        let binary = DemoSmokeTests.buildDirectory.appendingPathComponent(product)
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw StartupTestError(message: "\(product) is not built next to the tests; run `swift build`")
        }
        let result = try await ChildProcess.run(binary.path, arguments)
        return (result.status, result.errors)
    }

    struct StartupTestError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static let cases = StartupErrorCases.all

    /// A directory with one settings file per case.
    static func workspace() throws -> String { try StartupErrorCases.workspace() }

    @Test("caching-demo: one line naming the file, the path and the fix; exit status 1")
    func demo() async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for entry in Self.cases {
            let file = "\(directory)/\(entry.name).json"
            let result = try await Self.run("caching-demo", ["--settings", file, "--port", "1"])
            #expect(result.status == 1, "\(entry.name): \(result.errors)")
            #expect(result.errors == "error: \(file): \(entry.expected)\n", "\(entry.name)")
        }
        let missing = try await Self.run("caching-demo", ["--settings", "\(directory)/nope.json"])
        #expect(missing.status == 1)
        #expect(missing.errors.hasPrefix("error: \(directory)/nope.json: the settings file does not exist"), "\(missing.errors)")
    }

    @Test("caching-proxy: the same lines for the settings it reads")
    func proxy() async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The proxy reads no HTTP sections; the cases about caches apply.
        for entry in Self.cases where StartupErrorCases.cacheCases.contains(entry.name) {
            let file = "\(directory)/\(entry.name).json"
            let result = try await Self.run("caching-proxy", ["--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:1", "--settings", file])
            #expect(result.status == 1, "\(entry.name): \(result.errors)")
            #expect(result.errors == "error: \(file): \(entry.expected)\n", "\(entry.name)")
        }
    }

    @Test("cachectl: a misspelt section no longer falls back to the memory backend")
    func cachectl() async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for entry in Self.cases where StartupErrorCases.cacheCases.contains(entry.name) {
            let file = "\(directory)/\(entry.name).json"
            let result = try await Self.run("cachectl", ["stats", "default", "--settings", file])
            #expect(result.status == 1, "\(entry.name): \(result.errors)")
            #expect(result.errors == "error: \(file): \(entry.expected)\n", "\(entry.name)")
        }
        let regex = "\(directory)/regex.json"
        let vcl = try await Self.run("cachectl", ["generate-vcl", "--settings", regex])
        #expect(vcl.status == 1)
        #expect(vcl.errors == "error: \(regex): \(Self.cases[5].expected)\n")
    }
}
