import Caching
import Foundation
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=...` URL, as libpq
/// and Django's `dj-database-url` read it, turned into a client configuration.
///
/// `sslmode` may be `disable`, `prefer` (the default, as in libpq) or `require`
/// (which also verifies the certificate). A `host` query item starting with `/`
/// names a Unix socket directory. `application_name` names the cache's
/// connections in `pg_stat_activity`, as libpq's does (so an operator can
/// tell them apart, and count them at shutdown).
public struct PostgresConnectionURL: Sendable, CustomStringConvertible {
    /// The URL as given.
    public let text: String
    /// The client configuration it describes.
    public let configuration: PostgresClient.Configuration
    /// How to open a single connection to the same server, for the pool's
    /// own check of why a server cannot be used (refused, wrong password,
    /// missing database), which the pooled client does not say.
    private let connection: ConnectionParts

    private struct ConnectionParts: Sendable {
        var host: String?
        var port: Int
        var socketPath: String?
        var username: String
        var password: String?
        var database: String?
        var sslMode: String
    }

    /// Parses `text`; a URL that cannot be read is an error that says why.
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw CacheConfigurationError(
                "'\(Self.redacted(text))' is not a PostgreSQL URL; write postgres://user:password@host:5432/database")
        }
        let username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.percentEncodedPath.removingPercentEncoding ?? ""
        let database = path.hasPrefix("/") ? String(path.dropFirst()) : path
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other:
            throw CacheConfigurationError(
                "'\(Self.redacted(text))': sslmode '\(other)' is not one of disable, prefer, require")
        }
        var configuration: PostgresClient.Configuration
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password,
                database: database.isEmpty ? nil : database)
            connection = ConnectionParts(
                host: nil, port: port, socketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username,
                password: password, database: database.isEmpty ? nil : database, sslMode: "disable")
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw CacheConfigurationError("'\(Self.redacted(text))' names no host")
            }
            configuration = PostgresClient.Configuration(
                host: host, port: components.port ?? 5432, username: username, password: password,
                database: database.isEmpty ? nil : database, tls: tls)
            connection = ConnectionParts(
                host: host, port: components.port ?? 5432, socketPath: nil, username: username,
                password: password, database: database.isEmpty ? nil : database, sslMode: query["sslmode"] ?? "prefer")
        }
        if let applicationName = query["application_name"], !applicationName.isEmpty {
            configuration.options.additionalStartupParameters.append(("application_name", applicationName))
        }
        self.text = text
        self.configuration = configuration
    }

    /// A single connection's configuration for the same server, with the
    /// process's one TLS context when `sslmode` asks for TLS.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let parts = connection
        if let socketPath = parts.socketPath {
            var made = PostgresConnection.Configuration(
                unixSocketPath: socketPath, username: parts.username, password: parts.password, database: parts.database)
            made.options.additionalStartupParameters = configuration.options.additionalStartupParameters
            return made
        }
        let tls: PostgresConnection.Configuration.TLS
        switch parts.sslMode {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(try Self.defaultTLSContext.get())
        default: tls = .prefer(try Self.defaultTLSContext.get())
        }
        var made = PostgresConnection.Configuration(
            host: parts.host ?? "localhost", port: parts.port, username: parts.username, password: parts.password,
            database: parts.database, tls: tls)
        made.options.additionalStartupParameters = configuration.options.additionalStartupParameters
        return made
    }

    /// The client TLS context of every URL, made once for the process: a
    /// context loads and parses the system's trust roots (tens of
    /// milliseconds of CPU), and each backend's pool needs one for its checks
    /// (with the default `sslmode=prefer` too). Contexts are immutable and
    /// shared safely across connections.
    private static let defaultTLSContext = Result { try NIOSSLContext(configuration: .makeClientConfiguration()) }

    /// The URL without its password, for logs and errors.
    public var description: String { Self.redacted(text) }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}
