import Caching
import Foundation
@testable import SQLiteCaching
import SQLiteNIO
import Testing

/// Batches of writes committed on the caller's thread (`SQLiteDirectWriter`):
/// each caller must get what the asynchronous path would have given it, and
/// anything the writer cannot do must land through that path.
@Suite("SQLite direct writes")
struct SQLiteDirectWriterTests {
    static func backend(_ path: String, createTable: Bool = true, maxEntries: Int = 300) -> SQLiteCacheBackend {
        SQLiteCacheBackend(configuration: .init(path: path, table: "direct", maxEntries: maxEntries, createTable: createTable))
    }

    /// One write through the thread pool (it opens and prepares the file), then
    /// one that must commit directly.
    static func warmUp(_ backend: SQLiteCacheBackend) async throws {
        try await backend.set("warm", value: .bytes([0]), lifetime: .seconds(300))
        let before = backend.directWriter.batchesCommitted
        try await backend.set("warm", value: .bytes([1]), lifetime: .seconds(300))
        #expect(backend.directWriter.batchesCommitted == before + 1)
    }

    @Test("once the file is prepared, set, add, touch and delete commit directly with each caller's own result")
    func directWrites() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        try await Self.warmUp(backend)
        let before = backend.directWriter.batchesCommitted
        for key in ["", "plain", "ünïcödé ✓", "with\u{0}nul"] {
            try await backend.set(key, value: .bytes(Array(key.utf8) + [9]), lifetime: .seconds(300))
            #expect(SQLiteDirectReaderTests.bytes(try await backend.get(key)) == Array(key.utf8) + [9], "\(key.debugDescription)")
        }
        try await backend.set("empty", value: .bytes([]), lifetime: .seconds(300))
        #expect(SQLiteDirectReaderTests.bytes(try await backend.get("empty")) == [])
        #expect(try await backend.add("new", value: .bytes([1]), lifetime: .seconds(300)))
        #expect(try await backend.add("new", value: .bytes([2]), lifetime: .seconds(300)) == false)
        #expect(SQLiteDirectReaderTests.bytes(try await backend.get("new")) == [1])
        #expect(try await backend.touch("new", lifetime: .seconds(600)))
        #expect(try await backend.touch("absent", lifetime: .seconds(600)) == false)
        #expect(try await backend.delete("new"))
        #expect(try await backend.delete("new") == false)
        #expect(backend.directWriter.batchesCommitted == before + 11)
        // Concurrent callers: batches, every write lands.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask { try await backend.set("many \(index)", value: .bytes([UInt8(index)]), lifetime: .seconds(300)) }
            }
            try await group.waitForAll()
        }
        for index in 0..<100 {
            #expect(SQLiteDirectReaderTests.bytes(try await backend.get("many \(index)")) == [UInt8(index)])
        }
    }

    @Test("the file locked by another connection: the batch waits on the thread-pool path, then lands")
    func lockedByAnother() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        try await Self.warmUp(backend)
        let other = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await other.query("BEGIN IMMEDIATE")
        let before = backend.directWriter.batchesCommitted
        let write = Task { try await backend.set("k", value: .bytes([7]), lifetime: .seconds(300)) }
        try await Task.sleep(for: .milliseconds(200))
        _ = try await other.query("COMMIT")
        try await other.close()
        try await write.value
        #expect(SQLiteDirectReaderTests.bytes(try await backend.get("k")) == [7])
        #expect(backend.directWriter.batchesCommitted == before)
        // The lock released, writes commit directly again.
        try await backend.set("k", value: .bytes([8]), lifetime: .seconds(300))
        #expect(backend.directWriter.batchesCommitted == before + 1)
    }

    @Test("a table dropped under the writer is the thread-pool path's typed error, then works again once recreated")
    func tableDropped() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path, createTable: false)
        #expect(try await backend.createTable())
        try await Self.warmUp(backend)
        try await SQLiteBackendTests.execute(path, "DROP TABLE direct")
        do {
            try await backend.set("k", value: .bytes([1]), lifetime: .seconds(300))
            Issue.record("a write to a dropped table succeeded")
        } catch let error as CacheError {
            #expect("\(error)".contains("cachectl createcachetable"), "\(error)")
        }
        #expect(try await backend.createTable())
        try await backend.set("k", value: .bytes([2]), lifetime: .seconds(300))
        try await backend.set("k", value: .bytes([3]), lifetime: .seconds(300))
        #expect(SQLiteDirectReaderTests.bytes(try await backend.get("k")) == [3])
    }

    @Test("increments take the thread-pool path and mix with direct batches")
    func increments() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        try await Self.warmUp(backend)
        try await backend.set("n", value: .bytes(Array("41".utf8)), lifetime: .seconds(300))
        let before = backend.directWriter.batchesCommitted
        #expect(try await backend.increment("n", by: 1) == 42)
        #expect(backend.directWriter.batchesCommitted == before)
        try await backend.set("m", value: .bytes(Array("1".utf8)), lifetime: .seconds(300))
        #expect(backend.directWriter.batchesCommitted == before + 1)
        #expect(try await backend.increment("n", by: -2) == 40)
        #expect(SQLiteDirectReaderTests.bytes(try await backend.get("n")) == Array("40".utf8))
    }

    @Test("sets one at a time cull with Django's arithmetic: MAX_ENTRIES 5, CULL_FREQUENCY 3")
    func culling() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path, maxEntries: 5)
        try await backend.set("k0", value: .bytes([0]), lifetime: .seconds(300))
        let before = backend.directWriter.batchesCommitted
        // Six rows, then the seventh set finds 6 > 5: 6 / 3 = 2 culled (k0, k1), then k6 stored.
        for index in 1...6 { try await backend.set("k\(index)", value: .bytes([UInt8(index)]), lifetime: .seconds(300)) }
        #expect(backend.directWriter.batchesCommitted == before + 6)
        var present: [String] = []
        for index in 0...6 where try await backend.get("k\(index)") != nil { present.append("k\(index)") }
        #expect(present == ["k2", "k3", "k4", "k5", "k6"])
    }

    @Test("closing the backend closes the writer's handle; it reopens on the next write")
    func close() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        try await Self.warmUp(backend)
        try await backend.close()
        try await Self.warmUp(backend)
        #expect(SQLiteDirectReaderTests.bytes(try await backend.get("warm")) == [1])
    }
}
