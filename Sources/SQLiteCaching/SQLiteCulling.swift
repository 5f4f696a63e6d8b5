import Caching

/// Django's culling on an SQLite cache table, written once for both writer
/// sessions (`SQLiteWriteSession` on sqlite-nio, `SQLiteDirectWriter`'s on a
/// raw handle), which supply the five statements.
///
/// Before a write that can add a row: when the table holds more than
/// `maxEntries` rows, expired rows go, then (if still over) the
/// `count / cullFrequency` rows with the lowest keys; a `cullFrequency` of 0
/// empties the table.
protocol SQLiteCulling: Sendable {
    var maxEntries: Int { get }
    var cullFrequency: Int { get }
    /// Counts culling runs (`swift_caching_culls_total`).
    var storeMetrics: CacheStoreMetrics { get }
    /// `SELECT COUNT(*)`.
    func rowCount() async throws -> Int
    /// Deletes every row.
    func deleteAllRows() async throws
    /// Deletes the rows expired at `now`.
    func deleteExpiredRows(now: Double) async throws
    /// The key at `offset` in key order, if there is one.
    func key(atOffset offset: Int) async throws -> String?
    /// Deletes the rows whose key sorts before `key`.
    func deleteRows(below key: String) async throws
}

extension SQLiteCulling {
    /// Culls as Django does (see ``SQLiteCulling``).
    func cull(now: Double) async throws {
        guard try await rowCount() > maxEntries else { return }
        storeMetrics.culled()
        if cullFrequency == 0 {
            try await deleteAllRows()
            return
        }
        try await deleteExpiredRows(now: now)
        let remaining = try await rowCount()
        guard remaining > maxEntries else { return }
        if let boundary = try await key(atOffset: remaining / cullFrequency) {
            try await deleteRows(below: boundary)
        }
    }
}
