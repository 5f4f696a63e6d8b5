import Caching
import Foundation
import PostgresCaching
import SQLiteCaching
import Testing

/// Group commit against the real databases: many concurrent writes go
/// together, and each caller still gets its own exact result. The same checks
/// run on SQLite and on the shared PostgreSQL server (`POSTGRES_URL`), which
/// must be running: a test fails when it is not.
@Suite("SQL group commit, real databases")
struct GroupCommitBackendTests {
    enum Database: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres

        var testDescription: String { rawValue }
    }

    /// A fresh table (and, for SQLite, a fresh file) with these limits.
    static func backend(_ database: Database, maxEntries: Int = 100_000, cullFrequency: Int = 3,
                        maxValueBytes: Int = 1000) throws -> any CacheBackend {
        switch database {
        case .sqlite:
            let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
            return SQLiteCacheBackend(configuration: .init(
                path: path, table: "group commit", maxEntries: maxEntries, cullFrequency: cullFrequency,
                maxValueBytes: maxValueBytes))
        case .postgres:
            return PostgresCacheBackend(configuration: .init(
                url: try PostgresConnectionURL(PostgresBackendTests.url), table: PostgresBackendTests.table(),
                maxEntries: maxEntries, cullFrequency: cullFrequency, createTable: true, maxConnections: 4,
                timeout: .seconds(20), maxValueBytes: maxValueBytes))
        }
    }

    /// Closes the backend and drops a PostgreSQL table.
    static func finish(_ backend: any CacheBackend) async throws {
        try await backend.close()
        if let postgres = backend as? PostgresCacheBackend { await PostgresBackendTests.drop(postgres.configuration.table.name) }
    }

    static func entries(_ backend: any CacheBackend) async throws -> Int {
        if let sqlite = backend as? SQLiteCacheBackend { return try await sqlite.statistics().entries }
        if let postgres = backend as? PostgresCacheBackend { return try await postgres.statistics().entries }
        Issue.record("not a SQL backend: \(backend.name)")
        return -1
    }

    @Test("a table name with a double quote and a space: the name is quoted once per table, inner quotes doubled, and every statement works",
          arguments: Database.allCases)
    func quotedTableName(_ database: Database) async throws {
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let name = "odd \"name\" \(suffix)"
        #expect(SQLiteCacheTable(name: name).quoted == "\"odd \"\"name\"\" \(suffix)\"")
        #expect(PostgresCacheTable(name: name).quoted == SQLiteCacheTable(name: name).quoted)
        let backend: any CacheBackend
        switch database {
        case .sqlite:
            backend = SQLiteCacheBackend(configuration: .init(path: try SQLiteBackendTests.directory() + "/cache.sqlite3", table: name))
        case .postgres:
            backend = PostgresCacheBackend(configuration: .init(
                url: try PostgresConnectionURL(PostgresBackendTests.url), table: name, createTable: true, timeout: .seconds(20)))
        }
        let cache = Cache(backend: backend)
        try await cache.set("a", 1)
        #expect(try await cache.add("b", 2))
        #expect(try await cache.increment("a", by: 4) == 5)
        #expect(try await cache.getMany(["a", "b", "c"], as: Int.self) == ["a": 5, "b": 2])
        #expect(try await cache.touch("b", timeout: .seconds(60)))
        #expect(try await cache.delete("b"))
        #expect(try await cache.get("b", as: Int.self) == nil)
        try await cache.clear()
        #expect(try await cache.get("a", as: Int.self) == nil)
        try await Self.finish(backend)
    }

    @Test("racing adds: of the adds of one key exactly one wins, and its value is stored", arguments: Database.allCases)
    func racingAdds(_ database: Database) async throws {
        let backend = try Self.backend(database)
        let cache = Cache(backend: backend)
        let keys = 16
        let contenders = 8
        let wins = try await withThrowingTaskGroup(of: (Int, Int, Bool).self) { group in
            for contender in 0..<contenders {
                for key in 0..<keys {
                    group.addTask { (key, contender, try await cache.add("race-\(key)", contender)) }
                }
            }
            var wins: [Int: [Int]] = [:]
            for try await (key, contender, won) in group where won { wins[key, default: []].append(contender) }
            return wins
        }
        for key in 0..<keys {
            let winners = wins[key] ?? []
            #expect(winners.count == 1, "key \(key): winners \(winners)")
            #expect(try await cache.get("race-\(key)", as: Int.self) == winners.first)
        }
        try await Self.finish(backend)
    }

    @Test("racing increments: each caller sees its own new value, none is lost", arguments: Database.allCases)
    func racingIncrements(_ database: Database) async throws {
        let backend = try Self.backend(database)
        let cache = Cache(backend: backend)
        try await cache.set("counter", 0, timeout: 1000)
        let callers = 200
        let seen = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<callers { group.addTask { try await cache.increment("counter") } }
            var seen: [Int] = []
            for try await value in group { seen.append(value) }
            return seen
        }
        #expect(seen.sorted() == Array(1...callers))
        #expect(try await cache.get("counter", as: Int.self) == callers)
        try await Self.finish(backend)
    }

    /// What one caller of the mixed batch did and got.
    enum Outcome: Equatable, Sendable {
        case done, bool(Bool), int(Int), error(String)
    }

    @Test("a mixed batch with failures: each failing write fails only its caller, with its own typed error",
          arguments: Database.allCases)
    func mixedBatch(_ database: Database) async throws {
        let backend = try Self.backend(database, maxValueBytes: 1000)
        let cache = Cache(backend: backend)
        try await cache.set("text", "not a number")
        try await cache.set("number", 10)
        try await cache.set("huge", Int.max)
        try await cache.set("existing", "old")
        try await cache.set("to-delete", 1)
        try await cache.set("to-touch", 1, timeout: 5)
        let large = [UInt8](repeating: 1, count: 5000)
        for round in 0..<5 {
            let outcomes = await withTaskGroup(of: (String, Outcome).self) { group in
                func run(_ name: String, _ body: @escaping @Sendable () async throws -> Outcome) {
                    group.addTask {
                        do { return (name, try await body()) } catch let error as CacheError {
                            switch error {
                            case .notAnInteger: return (name, .error("notAnInteger"))
                            case .keyNotFound: return (name, .error("keyNotFound"))
                            case .integerOverflow: return (name, .error("integerOverflow"))
                            case .valueTooLarge: return (name, .error("valueTooLarge"))
                            default: return (name, .error("\(error)"))
                            }
                        } catch {
                            return (name, .error("\(error)"))
                        }
                    }
                }
                for index in 0..<20 {
                    run("set \(index)") { try await cache.set("good-\(round)-\(index)", index); return .done }
                }
                run("increment text") { .int(try await cache.increment("text")) }
                run("increment missing") { .int(try await cache.increment("missing-\(round)")) }
                run("increment huge") { .int(try await cache.increment("huge")) }
                run("increment number") { .int(try await cache.increment("number", by: 5)) }
                run("set large") { try await cache.set("large-\(round)", large); return .done }
                run("add large") { .bool(try await cache.add("large-add-\(round)", large)) }
                run("add existing") { .bool(try await cache.add("existing", "new")) }
                run("add fresh") { .bool(try await cache.add("fresh-\(round)", "new")) }
                run("delete") { .bool(try await cache.delete("to-delete")) }
                run("touch") { .bool(try await cache.touch("to-touch", timeout: 100)) }
                var outcomes: [String: Outcome] = [:]
                for await (name, outcome) in group { outcomes[name] = outcome }
                return outcomes
            }
            for index in 0..<20 { #expect(outcomes["set \(index)"] == .done, "round \(round)") }
            #expect(outcomes["increment text"] == .error("notAnInteger"))
            #expect(outcomes["increment missing"] == .error("keyNotFound"))
            #expect(outcomes["increment huge"] == .error("integerOverflow"))
            #expect(outcomes["increment number"] == .int(10 + 5 * (round + 1)))
            #expect(outcomes["set large"] == .error("valueTooLarge"))
            #expect(outcomes["add large"] == .error("valueTooLarge"))
            #expect(outcomes["add existing"] == .bool(false))
            #expect(outcomes["add fresh"] == .bool(true))
            #expect(outcomes["delete"] == .bool(round == 0))
            #expect(outcomes["touch"] == .bool(true))
            for index in 0..<20 { #expect(try await cache.get("good-\(round)-\(index)", as: Int.self) == index) }
            #expect(try await cache.get("text", as: String.self) == "not a number")
            #expect(try await cache.get("huge", as: Int.self) == Int.max)
            #expect(try await cache.get("existing", as: String.self) == "old")
            #expect(try await cache.get("fresh-\(round)", as: String.self) == "new")
            #expect(try await cache.hasKey("large-\(round)") == false)
        }
        try await Self.finish(backend)
    }

    @Test("concurrent sets cull with Django's arithmetic: MAX_ENTRIES 30, 49 sets leave 29 (18 with CULL_FREQUENCY 0)",
          arguments: Database.allCases)
    func culling(_ database: Database) async throws {
        for (frequency, expected) in [(3, 29), (0, 18)] {
            let backend = try Self.backend(database, maxEntries: 30, cullFrequency: frequency)
            let cache = Cache(backend: backend)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<49 { group.addTask { try await cache.set("cull-\(index)", index) } }
                try await group.waitForAll()
            }
            #expect(try await Self.entries(backend) == expected, "cullFrequency \(frequency)")
            try await Self.finish(backend)
        }
    }

    @Test("many concurrent sets, gets and deletes of distinct keys all land", arguments: Database.allCases)
    func manyDistinct(_ database: Database) async throws {
        let backend = try Self.backend(database)
        let cache = Cache(backend: backend)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<300 { group.addTask { try await cache.set("k\(index)", "v\(index)") } }
            try await group.waitForAll()
        }
        let deleted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in stride(from: 0, to: 300, by: 2) { group.addTask { try await cache.delete("k\(index)") } }
            var deleted = 0
            for try await done in group where done { deleted += 1 }
            return deleted
        }
        #expect(deleted == 150)
        let values = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<300 { group.addTask { (index, try await cache.get("k\(index)", as: String.self)) } }
            var values: [Int: String?] = [:]
            for try await (index, value) in group { values[index] = value }
            return values
        }
        for index in 0..<300 {
            let expected: String? = index % 2 == 0 ? nil : "v\(index)"
            #expect(values[index] ?? nil == expected, "k\(index)")
        }
        #expect(try await Self.entries(backend) == 150)
        try await Self.finish(backend)
    }
}
