import Caching
import Foundation
@testable import SQLiteCaching
import SQLiteNIO
import Testing

/// `get` and `hasKey` read on the caller's thread (`SQLiteDirectReader`):
/// what they read must be what the asynchronous path would have read.
@Suite("SQLite direct reads")
struct SQLiteDirectReaderTests {
    static func backend(_ path: String, replicaPath: String? = nil) -> SQLiteCacheBackend {
        SQLiteCacheBackend(configuration: .init(path: path, table: "direct", replicaPath: replicaPath, poolSize: 2))
    }

    /// The bytes of a value read back (`CacheValue` is not `Equatable`).
    static func bytes(_ value: CacheValue?) -> [UInt8]? {
        guard case .bytes(let bytes)? = value else { return nil }
        return bytes
    }

    /// Stores `[1]` under `k` in `backend` and reads it back until the read
    /// has gone through a direct handle (the first read opens the file on the
    /// thread pool).
    static func warmUp(_ backend: SQLiteCacheBackend) async throws {
        try await backend.set("k", value: .bytes([1]), lifetime: .seconds(300))
        #expect(try await bytes(backend.get("k")) == [1])
        #expect(try await bytes(backend.get("k")) == [1])
        #expect(backend.directReader.openHandles >= 1)
    }

    @Test("after the first read opens the file, reads go through the direct reader and see every type of key")
    func directReads() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        let cache = Cache(backend: backend)
        #expect(try await cache.get("warm-up", as: String.self) == nil)
        let keys = ["", "plain", "ünïcödé ✓", "with\u{0}nul", String(repeating: "k", count: 200)]
        for (index, key) in keys.enumerated() {
            try await backend.set(key, value: .bytes(Array("value \(index)".utf8)), lifetime: .seconds(300))
        }
        for (index, key) in keys.enumerated() {
            #expect(try await Self.bytes(backend.get(key)) == Array("value \(index)".utf8), "key \(key.debugDescription)")
            #expect(try await backend.hasKey(key))
        }
        #expect(try await backend.get("absent") == nil)
        #expect(try await backend.hasKey("absent") == false)
        #expect(backend.directReader.openHandles >= 1)
    }

    @Test("a direct read sees another connection's write at once and holds no read transaction after it")
    func noSnapshotKept() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let writer = Self.backend(path)
        let reader = Self.backend(path)
        try await Self.warmUp(writer)
        #expect(try await Self.bytes(reader.get("k")) == [1])
        #expect(try await Self.bytes(reader.get("k")) == [1])
        #expect(reader.directReader.openHandles >= 1)
        try await writer.set("k", value: .bytes([2]), lifetime: .seconds(300))
        #expect(try await Self.bytes(reader.get("k")) == [2])
        // Frames written after the reader's last read can be checkpointed only
        // if that read's transaction has ended.
        for index in 0..<50 { try await writer.set("more \(index)", value: .bytes([3]), lifetime: .seconds(300)) }
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        let rows = try await connection.query("PRAGMA wal_checkpoint(PASSIVE)")
        try await connection.close()
        let columns = rows.first?.columns.map(\.data) ?? []
        #expect(columns.count == 3)
        #expect(columns.count == 3 && columns[1].integer == columns[2].integer, "\(columns)")
    }

    @Test("expired and damaged rows read directly are treated as on the asynchronous path")
    func expiredAndDamaged() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        #expect(try await backend.get("warm-up") == nil)
        try await SQLiteBackendTests.execute(path, "INSERT INTO direct VALUES (?, ?, ?)",
                                             [.text("old"), .blob(ByteBuffer(bytes: [1])), .float(1)])
        try await SQLiteBackendTests.execute(path, "INSERT INTO direct VALUES (?, ?, ?)",
                                             [.text("text"), .text("as text"), .float(SQLiteCacheTable.forever)])
        try await SQLiteBackendTests.execute(path, "INSERT INTO direct VALUES (?, ?, ?)",
                                             [.text("number"), .integer(42), .float(SQLiteCacheTable.forever)])
        try await SQLiteBackendTests.execute(path, "INSERT INTO direct VALUES (?, ?, ?)",
                                             [.text("bad expiry"), .blob(ByteBuffer(bytes: [1])), .text("soon")])
        #expect(try await backend.get("old") == nil)
        #expect(try await backend.hasKey("old") == false)
        #expect(try await Self.bytes(backend.get("text")) == Array("as text".utf8))
        #expect(try await Self.bytes(backend.get("number")) == Array("42".utf8))
        #expect(try await backend.get("bad expiry") == nil)
        #expect(backend.directReader.openHandles >= 1)
        // The expired row was deleted, as Django deletes it.
        let check = try await SQLiteConnection.open(storage: .file(path: path))
        let rows = try await check.query("SELECT COUNT(*) FROM direct WHERE cache_key = 'old'")
        try await check.close()
        #expect(rows.first?.columns.first?.data.integer == 0)
    }

    @Test("a table dropped under the reader is the asynchronous path's typed error, then works again once recreated")
    func tableDropped() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = SQLiteCacheBackend(configuration: .init(path: path, table: "direct", createTable: false))
        #expect(try await backend.createTable())
        try await Self.warmUp(backend)
        try await SQLiteBackendTests.execute(path, "DROP TABLE direct")
        do {
            _ = try await backend.get("k")
            Issue.record("a read of a dropped table succeeded")
        } catch let error as CacheError {
            #expect("\(error)".contains("cachectl createcachetable"), "\(error)")
        }
        #expect(try await backend.createTable())
        #expect(try await backend.get("k") == nil)
        try await backend.set("k", value: .bytes([2]), lifetime: .seconds(300))
        #expect(try await Self.bytes(backend.get("k")) == [2])
    }

    @Test("a write lock held by another connection does not stop or block direct reads (WAL)")
    func readsDuringAWrite() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        try await Self.warmUp(backend)
        let other = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await other.query("BEGIN IMMEDIATE")
        _ = try await other.query("UPDATE direct SET value = x'02' WHERE cache_key = 'k'")
        // Uncommitted: the reader sees the committed value, without waiting.
        #expect(try await Self.bytes(backend.get("k")) == [1])
        _ = try await other.query("COMMIT")
        try await other.close()
        #expect(try await Self.bytes(backend.get("k")) == [2])
    }

    @Test("closing the backend closes the direct handles; it reopens on the next use")
    func close() async throws {
        let path = try SQLiteBackendTests.directory() + "/cache.sqlite3"
        let backend = Self.backend(path)
        try await Self.warmUp(backend)
        try await backend.close()
        #expect(backend.directReader.openHandles == 0)
        #expect(try await Self.bytes(backend.get("k")) == [1])
        #expect(try await Self.bytes(backend.get("k")) == [1])
        #expect(backend.directReader.openHandles >= 1)
    }
}
