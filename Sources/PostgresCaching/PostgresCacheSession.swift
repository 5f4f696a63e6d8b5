import Logging
import PostgresNIO

/// Where the cache's statements run: a connection of the backend's own pool,
/// or a `PostgresClient` the application runs and gave the pool.
enum PostgresCacheSession: Sendable {
    case connection(PostgresConnection)
    case client(PostgresClient)

    /// The rows of a prepared statement.
    func rows(of statement: PostgresCacheStatement, logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        switch self {
        case .connection(let connection):
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
        case .client(let client):
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
        }
        return rows
    }

    /// Runs one statement that is not prepared (DDL).
    func query(_ sql: String, logger: Logger) async throws {
        switch self {
        case .connection(let connection): try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        case .client(let client): try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    /// Runs `statements` (DDL, without parameters) in one transaction. On a
    /// pooled connection they go as one `DO` block — one statement, so one
    /// transaction — because other callers' statements queued on the same
    /// connection could fall between a `BEGIN` and its `COMMIT`.
    func transaction(_ statements: [String], logger: Logger) async throws {
        switch self {
        case .connection(let connection):
            let body = statements.map { "  " + ($0.hasSuffix(";") ? $0 : $0 + ";") }.joined(separator: "\n")
            // A dollar-quote tag the statements (a table's name) cannot end early.
            var tag = "$swift_caching$"
            while body.contains(tag) { tag = "$swift_caching_" + String(tag.count) + "$" }
            try await connection.query(PostgresQuery(unsafeSQL: "DO \(tag) BEGIN\n\(body)\nEND \(tag)"), logger: logger)
        case .client(let client):
            try await client.withTransaction(logger: logger) { connection in
                for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            }
        }
    }
}
