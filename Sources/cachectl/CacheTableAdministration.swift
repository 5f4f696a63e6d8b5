import Caching
import PostgresCaching
import SQLiteCaching

/// What `createcachetable` and `stats` need from a database backend.
protocol CacheTableAdministration: Sendable {
    /// The table's name as configured.
    var tableName: String { get }
    /// The SQL that creates the table and its index (printed by `--dry-run`).
    var creationStatements: [String] { get }
    /// Creates the table; `false` when it already existed.
    func createTable() async throws -> Bool
    /// Rows, expired rows and bytes of values.
    func statistics() async throws -> (entries: Int, expired: Int, bytes: Int)
}

extension SQLiteCacheBackend: CacheTableAdministration {
    var tableName: String { configuration.table.name }
    var creationStatements: [String] { configuration.table.creationStatements }
}

extension PostgresCacheBackend: CacheTableAdministration {
    var tableName: String { configuration.table.name }
    var creationStatements: [String] { configuration.table.creationStatements }
}
