import Caching
import Foundation
import PostgresCaching
import SQLiteCaching

extension BackendFixture {
    /// The SQLite backend: one database file per store token, in a table whose
    /// name has a space in it (quoting is part of what is checked).
    static let sqlite = BackendFixture(name: "sqlite", culling: .database, acceptsClock: true) { options in
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-sqlite-conformance"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = SQLiteCacheBackend.Configuration(
            path: "\(directory)/\(options.store).sqlite3", table: "conformance cache",
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3, poolSize: 2, clock: options.clock)
        return Cache(
            backend: SQLiteCacheBackend(configuration: configuration),
            keyPrefix: options.keyPrefix, version: options.version,
            defaultTimeout: options.timeout.resolved(default: .seconds(300)),
            keyFunction: options.keyFunction, logger: options.logger)
    }

    /// The PostgreSQL backend on `POSTGRES_URL` (default: the loopback test
    /// server): one table per store token, created on first use, all caches
    /// sharing one connection pool so parallel checks stay within the server's
    /// connection limit.
    static let postgres = BackendFixture(name: "postgres", culling: .database, acceptsClock: true) { options in
        let url = try PostgresConnectionURL(SharedPostgres.url)
        let configuration = PostgresCacheBackend.Configuration(
            url: url, table: "conformance \(options.store)",
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3, createTable: true,
            timeout: .seconds(30), clock: options.clock)
        return Cache(
            backend: PostgresCacheBackend(configuration: configuration, pool: try SharedPostgres.pool()),
            keyPrefix: options.keyPrefix, version: options.version,
            defaultTimeout: options.timeout.resolved(default: .seconds(300)),
            keyFunction: options.keyFunction, logger: options.logger)
    }
}

/// One connection pool for every PostgreSQL fixture in the process.
enum SharedPostgres {
    static let url = ProcessInfo.processInfo.environment["POSTGRES_URL"]
        ?? "postgres://caching:caching@127.0.0.1:5432/caching_test"

    private static let shared: Result<PostgresCacheConnectionPool, any Error> = Result {
        PostgresCacheConnectionPool(url: try PostgresConnectionURL(url), maxConnections: 8, connectTimeout: .seconds(10))
    }

    static func pool() throws -> PostgresCacheConnectionPool {
        try shared.get()
    }
}
