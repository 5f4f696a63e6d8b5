import Caching
import NIOCore
import PostgresNIO

/// The statements of a batch of writes on the PostgreSQL backend (see
/// `SQLCacheGroupCommit`): each is one round trip on the primary's pool,
/// bounded by the backend's timeout and told to its circuit breaker, and the
/// multi-row ones pass their rows as arrays through `unnest`.
struct PostgresWriteSession: SQLCacheWriteSession {
    let backend: PostgresCacheBackend

    private var table: PostgresCacheTable { backend.configuration.table }

    func count(upTo limit: Int) async throws -> Int {
        let rows = try await backend.write(table.boundedCountOnly) { $0.append(limit) }
        return try rows.first.map { row in try backend.decoded(key: "") { try row.decode(Int.self) } } ?? 0
    }

    func set(_ rows: [SQLCacheRow]) async throws {
        _ = try await backend.write(table.setRows) { Self.bind(rows, into: &$0) }
    }

    /// Counts and stores in one statement (one round trip).
    func set(_ rows: [SQLCacheRow], ifCountAtMost maxCount: Int, countLimit: Int) async throws -> Bool {
        let result = try await backend.write(table.setRowsIfCountAtMost) { binds in
            Self.bind(rows, into: &binds)
            binds.append(countLimit)
            binds.append(maxCount)
        }
        let counted = try result.first.map { row in try backend.decoded(key: "") { try row.decode(Int.self) } } ?? 0
        return counted <= maxCount
    }

    func add(_ rows: [SQLCacheRow], now: Double) async throws -> Set<String> {
        let stored = try await backend.write(table.addRows) { binds in
            Self.bind(rows, into: &binds)
            binds.append(now)
        }
        return try keys(stored)
    }

    func delete(_ keys: [String]) async throws -> Set<String> {
        try self.keys(try await backend.write(table.deleteReturning) { $0.append(keys) })
    }

    func single(_ write: SQLCacheWrite, now: Double) async throws -> SQLCacheWriteOutcome {
        try await backend.runAlone(write, now: now)
    }

    private func keys(_ rows: [PostgresRow]) throws -> Set<String> {
        var keys = Set<String>()
        for row in rows { keys.insert(try backend.decoded(key: "") { try row.decode(String.self) }) }
        return keys
    }

    private static func bind(_ rows: [SQLCacheRow], into binds: inout PostgresBindings) {
        binds.append(rows.map(\.key))
        binds.append(rows.map(\.value))
        binds.append(rows.map(\.expires))
    }
}
