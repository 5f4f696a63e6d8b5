import Caching
import PostgresNIO

/// Any statement of the cache, run as a named prepared statement: prepared
/// once per connection, then each call is one `Bind`/`Execute` round trip
/// that the server neither parses nor plans again (psycopg, under Django,
/// prepares a statement after its fifth run for the same reason).
///
/// postgres-nio takes a prepared statement's name and SQL from its type,
/// while the cache's SQL names its table at run time; so the name and SQL
/// travel in a task-local value that ``run(_:sql:on:logger:)`` sets around
/// the call, and every distinct SQL text gets a name of its own
/// (`swift_caching_<n>`, numbered in this process).
struct PostgresCacheStatement: PostgresPreparedStatement {
    typealias Row = PostgresRow

    @TaskLocal private static var current = (name: "", sql: "")
    private static let names = CacheLock<[String: String]>([:])

    static var name: String { current.name }
    static var sql: String { current.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }

    /// The rows of `sql` with `bindings`, prepared on first use per connection.
    static func run(_ bindings: PostgresBindings, sql: String, on session: PostgresCacheSession,
                    logger: Logger) async throws -> [PostgresRow] {
        try await $current.withValue((name(for: sql), sql)) {
            try await session.rows(of: PostgresCacheStatement(bindings: bindings), logger: logger)
        }
    }

    private static func name(for sql: String) -> String {
        names.withLock { names in
            if let name = names[sql] { return name }
            let name = "swift_caching_\(names.count)"
            names[sql] = name
            return name
        }
    }
}
