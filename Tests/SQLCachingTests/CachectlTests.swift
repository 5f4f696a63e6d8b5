import CachingTestSupport
import Foundation
import Testing

/// The `cachectl` binary, run as a user would, against SQLite and PostgreSQL
/// aliases of a settings file.
@Suite("cachectl")
struct CachectlTests {
    /// The binary, built next to the test bundle (the test target depends on it).
    static func binary() throws -> String {
        try ChildProcess.builtExecutable("cachectl")
    }

    /// A directory holding a `caches.json` with a memory, an SQLite and a PostgreSQL alias.
    static func workspace(postgresTable: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-cachectl-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let settings = """
        { "caches": {
            "default": { "backend": "memory" },
            "db": { "backend": "sqlite", "location": "cachectl table", "options": { "path": "\(directory)/cache.sqlite3", "createTable": false } },
            "pg": { "backend": "postgres", "location": "\(postgresTable)", "options": { "url": "\(PostgresBackendTests.url)" } },
            "down": { "backend": "postgres", "location": "t", "options": { "url": "postgres://nobody@127.0.0.1:1/none?sslmode=disable", "timeout": 2 } }
        } }
        """
        try settings.write(toFile: directory + "/caches.json", atomically: true, encoding: .utf8)
        return directory
    }

    static func cachectl(_ arguments: String..., in directory: String) async throws -> (status: Int32, output: String, errors: String) {
        try await ChildProcess.run(binary(), arguments, directory: directory)
    }

    @Test("createcachetable: dry run, creation, then already exists; get, set, delete, stats, clear")
    func commands() async throws {
        let table = "cachectl " + UUID().uuidString.prefix(8).lowercased()
        let directory = try Self.workspace(postgresTable: table)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let dryRun = try await Self.cachectl("createcachetable", "--dry-run", in: directory)
        #expect(dryRun.status == 0)
        #expect(dryRun.output.hasPrefix("CREATE TABLE"), "\(dryRun.output)")
        #expect(dryRun.output.contains("CREATE INDEX \"cachectl table_expires\""))
        #expect(dryRun.output.contains("\"\(table)\""))

        let created = try await Self.cachectl("createcachetable", "db", "pg", in: directory)
        #expect(created.status == 0, "\(created.errors)")
        #expect(created.output == "Cache table 'cachectl table' created.\nCache table '\(table)' created.\n")
        let again = try await Self.cachectl("createcachetable", "db", "pg", in: directory)
        #expect(again.output == "Cache table 'cachectl table' already exists.\nCache table '\(table)' already exists.\n")

        for alias in ["db", "pg"] {
            #expect(try await Self.cachectl("set", alias, "greeting", "hello world", in: directory).status == 0)
            #expect(try await Self.cachectl("set", alias, "count", "41", "--type", "int", in: directory).status == 0)
            #expect(try await Self.cachectl("set", alias, "doc", #"{"a":[1,2]}"#, "--type", "json", in: directory).status == 0)
            #expect(try await Self.cachectl("get", alias, "greeting", in: directory).output == "hello world\n")
            #expect(try await Self.cachectl("get", alias, "count", in: directory).output == "41\n")
            #expect(try await Self.cachectl("get", alias, "doc", in: directory).output == #"{"a":[1,2]}"# + "\n")
            let stats = try await Self.cachectl("stats", alias, in: directory)
            #expect(stats.status == 0)
            #expect(stats.output.contains("entries: 3\nexpired: 0\n"), "\(stats.output)")
            #expect(stats.output.contains("bytes: "))
            #expect(try await Self.cachectl("delete", alias, "greeting", in: directory).output.hasPrefix("Deleted"))
            let missing = try await Self.cachectl("get", alias, "greeting", in: directory)
            #expect(missing.status != 0)
            #expect(missing.errors == "error: no value for key 'greeting' in cache '\(alias)'\n")
            #expect(try await Self.cachectl("clear", alias, in: directory).status == 0)
            #expect(try await Self.cachectl("stats", alias, in: directory).output.contains("entries: 0\n"))
        }
        _ = try? await PostgresBackendTests.execute("DROP TABLE IF EXISTS \"\(table)\"")
    }

    @Test("bad settings, unknown aliases, missing tables and unreachable databases: one line on stderr, non-zero exit")
    func failures() async throws {
        let table = "cachectl " + UUID().uuidString.prefix(8).lowercased()
        let directory = try Self.workspace(postgresTable: table)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "{ not json".write(toFile: directory + "/broken.json", atomically: true, encoding: .utf8)
        try #"{ "cache": { "default": { "backend": "file", "location": "/tmp" } } }"#.write(
            toFile: directory + "/typo.json", atomically: true, encoding: .utf8)
        try #"{ "caches": { "default": { "backend": "nosuch" } } }"#.write(
            toFile: directory + "/unknown.json", atomically: true, encoding: .utf8)

        let cases: [([String], String)] = [
            (["stats", "db", "--settings", "missing.json"], "does not exist"),
            (["stats", "db", "--settings", "broken.json"], "error: broken.json: line 1, column 3: expected a member name in double quotes"),
            (["stats", "default", "--settings", "typo.json"], "error: typo.json: cache: unknown section \"cache\"; did you mean \"caches\"?"),
            (["get", "default", "k", "--settings", "unknown.json"], "nosuch"),
            (["get", "nope", "k"], "doesn't exist"),
            (["get", "db", "k"], "cachectl createcachetable"),
            (["get", "pg", "k"], "cachectl createcachetable"),
            (["stats", "down"], "127.0.0.1:1"),
            (["createcachetable", "down"], "127.0.0.1:1"),
            (["createcachetable", "default"], "does not use a database backend"),
            (["set", "db", "k", "x", "--type", "int"], "not an integer"),
        ]
        for (arguments, expected) in cases {
            let result = try await ChildProcess.run(Self.binary(), arguments, directory: directory)
            #expect(result.status == 1, "\(arguments)")
            let lines = result.errors.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): \(result.errors)")
            #expect(result.errors.contains(expected), "\(arguments): \(result.errors)")
        }
    }
}
