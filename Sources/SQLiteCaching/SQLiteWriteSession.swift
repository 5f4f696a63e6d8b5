import Caching
import NIOCore
import SQLiteNIO

/// The statements of a batch of writes on the SQLite backend's one writer
/// connection (see `SQLCacheGroupCommit`); the batch runs in one
/// `BEGIN IMMEDIATE … COMMIT` transaction around them.
struct SQLiteWriteSession: SQLCacheWriteSession, SQLiteCulling {
    let connection: SQLiteConnection
    let table: SQLiteCacheTable
    let maxEntries: Int
    let cullFrequency: Int
    /// Counts culling runs (`swift_caching_culls_total`).
    let storeMetrics: CacheStoreMetrics

    /// The most rows in one multi-row statement (3 parameters each, SQLite
    /// allows 32,766 parameters).
    static let maxRows = 10_000

    func count(upTo limit: Int) async throws -> Int {
        Self.integer(try await connection.query(table.boundedCount, [.integer(SQLiteInt64(clamping: limit))]))
    }

    func set(_ rows: [SQLCacheRow]) async throws {
        for chunk in SQLiteCacheBackend.chunks(rows, size: Self.maxRows) {
            _ = try await connection.query(table.upsert(chunk.count), chunk.flatMap(Self.binds))
        }
    }

    func add(_ rows: [SQLCacheRow], now: Double) async throws -> Set<String> {
        var stored = Set<String>()
        for chunk in SQLiteCacheBackend.chunks(rows, size: Self.maxRows) {
            let result = try await connection.query(table.addMany(chunk.count), chunk.flatMap(Self.binds) + [.float(now)])
            for row in result { if let key = row.column("cache_key")?.string { stored.insert(key) } }
        }
        return stored
    }

    func delete(_ keys: [String]) async throws -> Set<String> {
        var deleted = Set<String>()
        for chunk in SQLiteCacheBackend.chunks(keys, size: SQLiteCacheBackend.maxParameters) {
            let result = try await connection.query(table.deleteManyReturning(chunk.count), chunk.map { .text($0) })
            for row in result { if let key = row.column("cache_key")?.string { deleted.insert(key) } }
        }
        return deleted
    }

    func single(_ write: SQLCacheWrite, now: Double) async throws -> SQLCacheWriteOutcome {
        switch write {
        case .set(let key, let value, let expires):
            try await cull(now: now)
            _ = try await connection.query(table.upsert(1), [.text(key), .blob(value), .float(expires)])
            return .stored
        case .add(let key, let value, let expires):
            try await cull(now: now)
            let rows = try await connection.query(table.add, [.text(key), .blob(value), .float(expires), .float(now)])
            return .changed(!rows.isEmpty)
        case .touch(let key, let expires):
            return .changed(!(try await connection.query(table.touch, [.float(expires), .text(key), .float(now)])).isEmpty)
        case .delete(let key):
            return .changed(!(try await connection.query(table.delete, [.text(key)])).isEmpty)
        case .increment(let key, let delta):
            return .integer(try await increment(key, by: delta, now: now))
        }
    }

    /// One `UPDATE` (the arithmetic is a function installed on the
    /// connection), so concurrent increments cannot lose an update.
    private func increment(_ key: String, by delta: Int, now: Double) async throws -> Int {
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(table.increment, [.text(key), .integer(SQLiteInt64(delta)), .float(now)])
        } catch let error as SQLiteError where error.message.contains(SQLiteIncrementFunction.overflow) {
            throw CacheError.integerOverflow(key: key)
        }
        if let row = rows.first {
            guard let result = row.column("value").flatMap(SQLiteIncrementFunction.integer) else {
                throw CacheError.notAnInteger(key: key)
            }
            return result
        }
        guard try await !connection.query(table.hasKey, [.text(key), .float(now)]).isEmpty else {
            throw CacheError.keyNotFound(key: key)
        }
        throw CacheError.notAnInteger(key: key)
    }

    // MARK: Culling statements (SQLiteCulling)

    func rowCount() async throws -> Int {
        Self.integer(try await connection.query(table.count))
    }

    func deleteAllRows() async throws {
        _ = try await connection.query(table.clear)
    }

    func deleteExpiredRows(now: Double) async throws {
        _ = try await connection.query(table.deleteAllExpired, [.float(now)])
    }

    func key(atOffset offset: Int) async throws -> String? {
        try await connection.query(table.keyAtOffset, [.integer(SQLiteInt64(offset))]).first?.column("cache_key")?.string
    }

    func deleteRows(below key: String) async throws {
        _ = try await connection.query(table.deleteBelow, [.text(key)])
    }

    private static func binds(_ row: SQLCacheRow) -> [SQLiteData] {
        [.text(row.key), .blob(row.value), .float(row.expires)]
    }

    static func integer(_ rows: [SQLiteRow]) -> Int {
        Int(rows.first?.columns.first?.data.integer ?? 0)
    }
}
