import Foundation

/// Where a Redis server is and how to log in: the parts of a `redis://` URL.
///
/// `redis://[[user]:password@]host[:port][/database]`, the form Django and
/// redis-py accept. User name and password may be percent-encoded. TLS
/// (`rediss://`) and Unix sockets are not supported, and say so.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address.
    public var host: String
    /// The TCP port (6379 unless the URL says otherwise).
    public var port: Int
    /// The ACL user (Redis 6+), if any.
    public var user: String?
    /// The password, if any.
    public var password: String?
    /// The database number selected after connecting.
    public var database: Int

    /// An endpoint from its parts.
    public init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` URL.
    public init(url: String) throws(RedisError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL("'\(url)' is not a URL; use redis://host:port/db")
        }
        switch scheme {
        case "redis": break
        case "rediss": throw .invalidURL("'\(url)': TLS (rediss://) is not supported; use redis:// on a trusted network")
        case "unix": throw .invalidURL("'\(url)': Unix sockets are not supported; use redis://host:port")
        default: throw .invalidURL("'\(url)' has scheme '\(scheme)'; use redis://host:port/db")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL("'\(url)' names no host; use redis://host:port/db")
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { throw .invalidURL("'\(url)' has port \(port), outside 1...65535") }
        self.port = port
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        self.user = (user?.isEmpty ?? true) ? nil : user
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let number = Int(path), number >= 0 else {
                throw .invalidURL("'\(url)': the path must be a database number, such as /0")
            }
            database = number
        }
        if let item = components.queryItems?.first(where: { $0.name == "db" }), let value = item.value {
            guard let number = Int(value), number >= 0 else {
                throw .invalidURL("'\(url)': db=\(value) is not a database number")
            }
            database = number
        }
        self.database = database
        if self.password == nil, self.user != nil {
            throw .invalidURL("'\(url)' has a user name but no password; use redis://user:password@host")
        }
    }

    /// The URL without the password, for logs.
    public var description: String {
        let credentials = password == nil ? "" : "\(user ?? ""):***@"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(shownHost):\(port)/\(database)"
    }
}
