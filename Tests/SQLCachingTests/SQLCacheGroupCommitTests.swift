import Caching
import NIOCore
import Testing

/// The group-commit planner shared by the SQL backends, on an in-memory table
/// that can fail on demand: which statements a batch becomes, and that every
/// caller gets its own result.
@Suite("SQL group commit")
struct SQLCacheGroupCommitTests {
    /// A cache table in memory that records the statements it is given.
    actor FakeTable: SQLCacheWriteSession {
        var rows: [String: (value: ByteBuffer, expires: Double)] = [:]
        var calls: [String] = []
        var failMultiRow = false
        var failingKeys: Set<String> = []

        struct Failure: Error {}

        init(keys: [String] = [], failMultiRow: Bool = false, failingKeys: Set<String> = []) {
            for key in keys { rows[key] = (ByteBuffer(string: "0"), 100) }
            self.failMultiRow = failMultiRow
            self.failingKeys = failingKeys
        }

        func count(upTo limit: Int) async throws -> Int {
            calls.append("count")
            return min(rows.count, limit)
        }

        func set(_ rows: [SQLCacheRow]) async throws {
            calls.append("set×\(rows.count)")
            if failMultiRow { throw Failure() }
            for row in rows { self.rows[row.key] = (row.value, row.expires) }
        }

        func add(_ rows: [SQLCacheRow], now: Double) async throws -> Set<String> {
            calls.append("add×\(rows.count)")
            if failMultiRow { throw Failure() }
            var stored = Set<String>()
            for row in rows where (self.rows[row.key]?.expires ?? 0) <= now {
                self.rows[row.key] = (row.value, row.expires)
                stored.insert(row.key)
            }
            return stored
        }

        func delete(_ keys: [String]) async throws -> Set<String> {
            calls.append("delete×\(keys.count)")
            if failMultiRow { throw Failure() }
            return Set(keys.filter { rows.removeValue(forKey: $0) != nil })
        }

        func single(_ write: SQLCacheWrite, now: Double) async throws -> SQLCacheWriteOutcome {
            calls.append("single \(write.key)")
            if failingKeys.contains(write.key) { throw Failure() }
            switch write {
            case .set(let key, let value, let expires):
                rows[key] = (value, expires)
                return .stored
            case .add(let key, let value, let expires):
                guard (rows[key]?.expires ?? 0) <= now else { return .changed(false) }
                rows[key] = (value, expires)
                return .changed(true)
            case .touch(let key, let expires):
                guard let row = rows[key], row.expires > now else { return .changed(false) }
                rows[key] = (row.value, expires)
                return .changed(true)
            case .delete(let key):
                return .changed(rows.removeValue(forKey: key) != nil)
            case .increment(let key, let delta):
                guard let row = rows[key], let number = Int(String(buffer: row.value)) else {
                    throw CacheError.keyNotFound(key: key)
                }
                rows[key] = (ByteBuffer(string: "\(number + delta)"), row.expires)
                return .integer(number + delta)
            }
        }
    }

    static func value(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test("distinct keys far from maxEntries: one count, then one statement per kind")
    func multiRow() async throws {
        let table = FakeTable(keys: ["d1", "d2", "n"])
        let writes: [SQLCacheWrite] = [
            .set(key: "s1", value: Self.value("a"), expires: 100), .set(key: "s2", value: Self.value("b"), expires: 100),
            .add(key: "a1", value: Self.value("c"), expires: 100), .add(key: "d1", value: Self.value("x"), expires: 100),
            .delete(key: "d2"), .delete(key: "missing"), .increment(key: "n", delta: 5),
        ]
        let results = await SQLCacheGroupCommit.run(writes, now: 50, maxEntries: 300, session: table)
        #expect(try results.map { try $0.get() } == [
            .stored, .stored, .changed(true), .changed(false), .changed(true), .changed(false), .integer(5),
        ])
        #expect(await table.calls == ["count", "set×2", "add×2", "delete×2", "single n"])
    }

    @Test("a run without several sets or adds is not counted: its single writes cull by themselves")
    func noCountNeeded() async throws {
        let table = FakeTable(keys: ["d1", "d2"])
        let writes: [SQLCacheWrite] = [
            .set(key: "s1", value: Self.value("a"), expires: 100), .delete(key: "d1"), .delete(key: "d2"),
        ]
        let results = await SQLCacheGroupCommit.run(writes, now: 50, maxEntries: 300, session: table)
        #expect(try results.map { try $0.get() } == [.stored, .changed(true), .changed(true)])
        #expect(await table.calls == ["delete×2", "single s1"])
    }

    @Test("a run whose last write could find the table over maxEntries goes one by one")
    func nearTheLimit() async throws {
        let table = FakeTable(keys: (0..<29).map { "old\($0)" })
        let writes: [SQLCacheWrite] = (0..<3).map { .set(key: "new\($0)", value: Self.value("v"), expires: 100) }
        let results = await SQLCacheGroupCommit.run(writes, now: 50, maxEntries: 30, session: table)
        #expect(try results.map { try $0.get() } == [.stored, .stored, .stored])
        #expect(await table.calls == ["count", "single new0", "single new1", "single new2"])
    }

    @Test("a key written twice starts a new run: of two adds in one batch the second loses")
    func repeatedKey() async throws {
        let table = FakeTable()
        let writes: [SQLCacheWrite] = [
            .add(key: "k", value: Self.value("first"), expires: 100), .add(key: "k", value: Self.value("second"), expires: 100),
        ]
        let results = await SQLCacheGroupCommit.run(writes, now: 50, maxEntries: 300, session: table)
        #expect(try results.map { try $0.get() } == [.changed(true), .changed(false)])
        #expect(await table.rows["k"].map { String(buffer: $0.value) } == "first")
    }

    @Test("a failing multi-row statement is retried one by one: a key that fails alone fails only its caller")
    func failureIsolated() async throws {
        let table = FakeTable(keys: ["gone"], failMultiRow: true, failingKeys: ["bad"])
        let writes: [SQLCacheWrite] = [
            .set(key: "good", value: Self.value("1"), expires: 100), .set(key: "bad", value: Self.value("2"), expires: 100),
            .add(key: "fresh", value: Self.value("3"), expires: 100), .add(key: "other", value: Self.value("4"), expires: 100),
            .delete(key: "gone"), .delete(key: "never"),
        ]
        let results = await SQLCacheGroupCommit.run(writes, now: 50, maxEntries: 300, session: table)
        #expect(try results[0].get() == .stored)
        #expect(throws: FakeTable.Failure.self) { try results[1].get() }
        #expect(try results[2...].map { try $0.get() } == [.changed(true), .changed(true), .changed(true), .changed(false)])
        #expect(await table.rows["good"].map { String(buffer: $0.value) } == "1")
        #expect(await table.rows["bad"] == nil)
    }

    @Test("a count that fails: the writes are retried one by one, each with its own result")
    func countFails() async throws {
        actor NoCount: SQLCacheWriteSession {
            struct Down: Error {}
            func count(upTo limit: Int) async throws -> Int { throw Down() }
            func set(_ rows: [SQLCacheRow]) async throws { Issue.record("stored without a count") }
            func add(_ rows: [SQLCacheRow], now: Double) async throws -> Set<String> {
                Issue.record("added without a count")
                return []
            }
            func delete(_ keys: [String]) async throws -> Set<String> { Set(keys) }
            func single(_ write: SQLCacheWrite, now: Double) async throws -> SQLCacheWriteOutcome {
                if write.key == "b" { throw Down() }
                return .changed(true)
            }
        }
        let writes: [SQLCacheWrite] = [
            .set(key: "a", value: Self.value("1"), expires: 100), .set(key: "b", value: Self.value("2"), expires: 100),
            .add(key: "c", value: Self.value("3"), expires: 100), .add(key: "d", value: Self.value("4"), expires: 100),
        ]
        let results = await SQLCacheGroupCommit.run(writes, now: 50, maxEntries: 300, session: NoCount())
        #expect(try results[0].get() == .changed(true))
        #expect(throws: NoCount.Down.self) { try results[1].get() }
        #expect(try results[2].get() == .changed(true))
        #expect(try results[3].get() == .changed(true))
    }
}
