/// The statements a SQL backend runs for a batch of writes: the small
/// connection protocol that lets SQLite and PostgreSQL share one group-commit
/// planner (``SQLCacheGroupCommit``), as Django has one `DatabaseCache` over
/// several database connections.
///
/// Every multi-row call gets rows or keys that are all distinct.
package protocol SQLCacheWriteSession: Sendable {
    /// The rows in the table, or `limit` when there are at least that many.
    func count(upTo limit: Int) async throws -> Int
    /// Stores `rows`, replacing what is there.
    func set(_ rows: [SQLCacheRow]) async throws
    /// Stores `rows` only when the table holds at most `maxCount` rows
    /// (counted up to `countLimit`); answers whether it stored. A backend
    /// that can count and store in one statement does.
    func set(_ rows: [SQLCacheRow], ifCountAtMost maxCount: Int, countLimit: Int) async throws -> Bool
    /// Stores those of `rows` whose key is absent or expired at `now`;
    /// answers the keys stored.
    func add(_ rows: [SQLCacheRow], now: Double) async throws -> Set<String>
    /// Deletes `keys`; answers those that had a row.
    func delete(_ keys: [String]) async throws -> Set<String>
    /// One write by itself, with Django's culling before it when it can add a
    /// row: the path of a write that is not batched.
    func single(_ write: SQLCacheWrite, now: Double) async throws -> SQLCacheWriteOutcome
}

extension SQLCacheWriteSession {
    /// Counts, then stores: two statements.
    package func set(_ rows: [SQLCacheRow], ifCountAtMost maxCount: Int, countLimit: Int) async throws -> Bool {
        guard try await count(upTo: countLimit) <= maxCount else { return false }
        try await set(rows)
        return true
    }
}
