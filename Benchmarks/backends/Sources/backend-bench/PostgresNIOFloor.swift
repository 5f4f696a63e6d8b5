import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// `backend-bench postgres-nio URL TABLE`: the floor under the PostgreSQL
/// backend's one-task lines. One task runs the backend's own `get` statement
/// (`SELECT … WHERE "cache_key" = ANY($1)`, prepared) straight on one
/// postgres-nio `PostgresConnection`, on Swift's default executor, with
/// nothing of this project around it: no key making, pool, deadline or
/// batching. Prints `get-hit ops/s` and `get-miss ops/s` (20,000 calls over
/// 2,000 keys each, `BENCH_OPERATIONS` to change), as `ops` does.
///
/// Why: it tells how much of the gap to a target is this project's and how
/// much is the driver's and the executor's. TABLE is a cache table that
/// exists already (compare-sql.sh's own runs create it); the rows stored in
/// it carry keys of their own and are deleted at the end. TLS is off: the
/// server is on loopback.
enum PostgresNIOFloor {
    struct Select: PostgresPreparedStatement {
        static let name = "backend_bench_floor_select"
        nonisolated(unsafe) static var sql = ""
        typealias Row = PostgresRow
        let keys: [String]
        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(keys)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    enum FloorError: Error, CustomStringConvertible {
        case badURL(String)
        case unexpected(String)
        var description: String {
            switch self {
            case .badURL(let url): "not a postgres://user:password@host:port/database URL: \(url)"
            case .unexpected(let what): what
            }
        }
    }

    static func run(url: String, table: String, operations: Int) async throws {
        guard let parts = URLComponents(string: url), let host = parts.host, let user = parts.user else {
            throw FloorError.badURL(url)
        }
        let configuration = PostgresConnection.Configuration(
            host: host, port: parts.port ?? 5432, username: user, password: parts.password,
            database: String(parts.path.dropFirst()), tls: .disable)
        let logger = Logger(label: "backend-bench.postgres-nio")
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger)
        let quoted = "\"\(table)\""
        Select.sql = "SELECT \"cache_key\", \"value\", \"expires\" FROM \(quoted) WHERE \"cache_key\" = ANY($1)"
        let keys = (0..<2_000).map { "backend-bench-floor-key\($0)" }
        let missing = (0..<2_000).map { "backend-bench-floor-missing\($0)" }
        let value = ByteBuffer(string: String(repeating: "v", count: 100))
        let expires = Date().timeIntervalSince1970 + 3_600
        try await connection.query(
            "INSERT INTO \(unescaped: quoted) (cache_key, value, expires) SELECT k, \(value), \(expires) FROM unnest(\(keys)::text[]) AS k ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
            logger: logger)
        func rate(_ keys: [String], expecting rows: Int) async throws -> Int {
            Int(try await BackendBench.timed(operations, tasks: 1) { index in
                var found = 0
                for try await _ in try await connection.execute(Select(keys: [keys[index % keys.count]]), logger: logger) {
                    found += 1
                }
                guard found == rows else { throw FloorError.unexpected("a get found \(found) rows, not \(rows)") }
            })
        }
        print("get-hit \(try await rate(keys, expecting: 1))")
        print("get-miss \(try await rate(missing, expecting: 0))")
        try await connection.query("DELETE FROM \(unescaped: quoted) WHERE cache_key = ANY(\(keys))", logger: logger)
        try await connection.close()
    }
}
