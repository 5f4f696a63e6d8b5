import Caching
import Foundation
import SQLiteCaching
import SQLiteNIO
import Testing

/// The SQLite backend's own behaviours beyond the conformance suite: set-up
/// errors, damaged rows, limits, concurrency and a database that goes away.
@Suite("SQLite backend")
struct SQLiteBackendTests {
    /// A fresh directory for one test's database files.
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/swift-caching-sqlite-tests/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func backend(_ path: String, table: String = "test cache table", createTable: Bool = true,
                        maxValueBytes: Int = 1_000_000_000, poolSize: Int = 2) -> SQLiteCacheBackend {
        SQLiteCacheBackend(configuration: .init(
            path: path, table: table, createTable: createTable, poolSize: poolSize, maxValueBytes: maxValueBytes))
    }

    /// Runs one statement on the file directly, as another program would.
    static func execute(_ path: String, _ sql: String, _ binds: [SQLiteData] = []) async throws {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        do {
            _ = try await connection.query(sql, binds)
        } catch {
            try await connection.close()
            throw error
        }
        try await connection.close()
    }

    @Test("the file and the table are created on first use")
    func createdOnFirstUse() async throws {
        let path = try Self.directory() + "/cache.sqlite3"
        #expect(!FileManager.default.fileExists(atPath: path))
        let cache = Cache(backend: Self.backend(path))
        try await cache.set("k", "v")
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try await cache.get("k", as: String.self) == "v")
    }

    @Test("a missing table is an error naming cachectl createcachetable")
    func missingTable() async throws {
        let path = try Self.directory() + "/cache.sqlite3"
        let cache = Cache(backend: Self.backend(path, table: "no such table", createTable: false))
        do {
            _ = try await cache.get("k", as: String.self)
            Issue.record("get on a missing table succeeded")
        } catch let error as CacheError {
            let text = "\(error)"
            #expect(text.contains("cachectl createcachetable"), "\(text)")
            #expect(text.contains("\"no such table\""), "\(text)")
        }
        await #expect(throws: CacheError.self) { try await cache.set("k", "v") }
    }

    @Test("createTable creates once, then reports that the table exists")
    func createTableTwice() async throws {
        let path = try Self.directory() + "/cache.sqlite3"
        let backend = Self.backend(path, table: "made by hand", createTable: false)
        #expect(try await backend.tableExists() == false)
        #expect(try await backend.createTable())
        #expect(try await backend.createTable() == false)
        #expect(try await backend.tableExists())
        let cache = Cache(backend: backend)
        try await cache.set("k", 1)
        #expect(try await cache.get("k", as: Int.self) == 1)
    }

    @Test("damaged rows are misses or typed errors, never crashes or other keys' values")
    func damagedRows() async throws {
        let path = try Self.directory() + "/cache.sqlite3"
        let cache = Cache(backend: Self.backend(path))
        try await cache.set("good", "value")
        let table = "\"test cache table\""
        let future = Date().timeIntervalSince1970 + 1000
        // Bytes that no coder wrote.
        try await Self.execute(path, "INSERT INTO \(table) VALUES (?, ?, ?)",
                               [.text(cache.makeKey("garbage")), .blob(ByteBuffer(bytes: [0xFF, 0x00, 0x13])), .float(future)])
        // A value of the wrong SQL type, and an expiry that is not a number.
        try await Self.execute(path, "INSERT INTO \(table) VALUES (?, ?, ?)",
                               [.text(cache.makeKey("real")), .float(1.5), .float(future)])
        try await Self.execute(path, "INSERT INTO \(table) VALUES (?, ?, ?)",
                               [.text(cache.makeKey("expiry")), .blob(ByteBuffer(bytes: Array("\"x\"".utf8))), .text("soon")])

        await #expect(throws: CacheError.self) { try await cache.get("garbage", as: String.self) }
        #expect(try await cache.get("real", as: String.self) == nil)
        #expect(try await cache.get("expiry", as: String.self) == nil)
        let many = try await cache.getMany(["good", "real", "expiry"], as: String.self)
        #expect(many == ["good": "value"])
        #expect(try await cache.get("good", as: String.self) == "value")
        await #expect(throws: CacheError.self) { try await cache.increment("garbage") }
    }

    @Test("a value larger than allowed is refused with valueTooLarge, and the old value is gone")
    func valueTooLarge() async throws {
        let path = try Self.directory() + "/cache.sqlite3"
        let cache = Cache(backend: Self.backend(path, maxValueBytes: 1000))
        try await cache.set("big", "small")
        let large = [UInt8](repeating: 7, count: 5000)
        do {
            try await cache.set("big", large)
            Issue.record("a value over the limit was stored")
        } catch CacheError.valueTooLarge(let key, let size, let limit) {
            #expect(key == cache.makeKey("big"))
            #expect(size > 5000)
            #expect(limit == 1000)
        }
        #expect(try await cache.get("big", as: String.self) == nil)
        await #expect(throws: CacheError.self) { try await cache.add("other", large) }
        #expect(try await cache.hasKey("other") == false)
    }

    @Test("two concurrent adds of one key from two connections: exactly one wins")
    func concurrentAdd() async throws {
        let path = try Self.directory() + "/cache.sqlite3"
        let first = Cache(backend: Self.backend(path))
        let second = Cache(backend: Self.backend(path))
        try await first.set("warm-up", 1)
        for round in 0..<40 {
            async let a = first.add("race-\(round)", "first")
            async let b = second.add("race-\(round)", "second")
            let (wonA, wonB) = try await (a, b)
            #expect(wonA != wonB, "round \(round): \(wonA) \(wonB)")
            let stored = try await first.get("race-\(round)", as: String.self)
            #expect(stored == (wonA ? "first" : "second"))
        }
    }

    @Test("increment is atomic across connections and keeps the expiry")
    func concurrentIncrement() async throws {
        let path = try Self.directory() + "/cache.sqlite3"
        let caches = (0..<4).map { _ in Cache(backend: Self.backend(path)) }
        try await caches[0].set("counter", 0, timeout: 1000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for cache in caches {
                group.addTask { for _ in 0..<25 { _ = try await cache.increment("counter") } }
            }
            try await group.waitForAll()
        }
        #expect(try await caches[0].get("counter", as: Int.self) == 100)
        try await caches[0].set("short", 1, timeout: 1)
        #expect(try await caches[1].increment("short") == 2)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await caches[1].get("short", as: Int.self) == nil)
    }

    @Test("reads go to the replica, writes to the primary")
    func replicaRouting() async throws {
        let directory = try Self.directory()
        let primaryPath = directory + "/primary.sqlite3"
        let replicaPath = directory + "/replica.sqlite3"
        let replicaWriter = Cache(backend: Self.backend(replicaPath))
        try await replicaWriter.set("k", "from the replica")
        let routed = Cache(backend: SQLiteCacheBackend(configuration: .init(
            path: primaryPath, table: "test cache table", replicaPath: replicaPath)))
        try await routed.set("k", "from the primary")
        #expect(try await routed.get("k", as: String.self) == "from the replica")
        let primaryOnly = Cache(backend: Self.backend(primaryPath))
        #expect(try await primaryOnly.get("k", as: String.self) == "from the primary")
        #expect(try await replicaWriter.get("k", as: String.self) == "from the replica")
    }

    @Test("the database file going away and coming back: errors, then recovery without a restart")
    func databaseGoesAway() async throws {
        let directory = try Self.directory()
        let path = directory + "/cache.sqlite3"
        let cache = Cache(backend: Self.backend(path))
        try await cache.set("k", "before")
        #expect(try await cache.get("k", as: String.self) == "before")

        // The file is replaced by something SQLite cannot open.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try await Task.sleep(for: .milliseconds(1100))
        await #expect(throws: CacheError.self) { try await cache.set("k", "during") }
        await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }

        // It comes back (empty): the cache works again, with no restart.
        try FileManager.default.removeItem(atPath: path)
        try await cache.set("k", "after")
        #expect(try await cache.get("k", as: String.self) == "after")
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("settings build the backend by name, and Django's DatabaseCache path maps to it")
    func registry() async throws {
        let path = try Self.directory() + "/settings.sqlite3"
        let json = """
        { "caches": {
            "default": { "backend": "sqlite", "location": "my cache", "options": { "path": "\(path)", "maxEntries": 10 } },
            "django": { "backend": "django.core.cache.backends.db.DatabaseCache", "location": "other",
                        "options": { "path": "\(path)" } } } }
        """
        var registry = CacheBackendRegistry.standard
        registry.registerSQLiteBackend()
        let caches = try Caches(settings: CacheSettings(json: Data(json.utf8)), registry: registry)
        try await caches.default.set("a", 1)
        #expect(try await caches["django"].get("a", as: Int.self) == nil)
        #expect(try await caches.default.get("a", as: Int.self) == 1)
        #expect(caches.default.backend is SQLiteCacheBackend)

        let typo = """
        { "caches": { "default": { "backend": "sqlite", "location": "t", "options": { "maxEntires": 10 } } } }
        """
        #expect(throws: CacheConfigurationError.self) {
            try Caches(settings: CacheSettings(json: Data(typo.utf8)), registry: registry)
        }
        let noTable = """
        { "caches": { "default": { "backend": "sqlite" } } }
        """
        #expect(throws: CacheConfigurationError.self) {
            try Caches(settings: CacheSettings(json: Data(noTable.utf8)), registry: registry)
        }
    }
}
