import Caching

/// One memcached server: a TCP host and port, or a Unix domain socket.
///
/// Written in settings as Django writes a memcached `LOCATION`: `host:port`,
/// `host` (port 11211), `[::1]:11211` for an IPv6 address, or `unix:/path`
/// (also a bare `/path`) for a socket, as pylibmc accepts it.
public struct MemcachedServer: Sendable, Hashable, CustomStringConvertible {
    /// Where a server listens.
    public enum Address: Sendable, Hashable {
        /// A host name or IP address, and a port.
        case tcp(host: String, port: Int)
        /// The path of a Unix domain socket.
        case unixSocket(path: String)
    }

    /// memcached's standard port.
    public static let defaultPort = 11211

    /// Where the server listens.
    public var address: Address

    /// A server at `host` and `port`.
    public init(host: String, port: Int = MemcachedServer.defaultPort) {
        address = .tcp(host: host, port: port)
    }

    /// A server on a Unix domain socket.
    public init(unixSocketPath path: String) {
        address = .unixSocket(path: path)
    }

    /// Reads one server as it is written in a `location`; an unreadable one is
    /// an error that says why.
    public init(parsing text: String) throws {
        let text = text.trimmingWhitespace()
        guard !text.isEmpty else {
            throw CacheConfigurationError("a memcached server is empty; write host:port")
        }
        if text.hasPrefix("unix:") || text.hasPrefix("/") {
            let path = text.hasPrefix("unix:") ? String(text.dropFirst(5)) : text
            guard !path.isEmpty else {
                throw CacheConfigurationError("'\(text)' names no socket path; write unix:/path/to/memcached.sock")
            }
            self.init(unixSocketPath: path)
            return
        }
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            // [IPv6] or [IPv6]:port
            guard let close = host.firstIndex(of: "]") else {
                throw CacheConfigurationError("'\(text)' opens an IPv6 address with '[' but never closes it")
            }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else {
                    throw CacheConfigurationError("'\(text)': write [address]:port")
                }
                portText = rest.dropFirst()
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        // More than one colon without brackets: a bare IPv6 address on the default port.
        guard !host.isEmpty else {
            throw CacheConfigurationError("'\(text)' names no host; write host:port")
        }
        var port = Self.defaultPort
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw CacheConfigurationError("'\(text)' has a port that is not a number from 1 to 65535")
            }
            port = number
        }
        self.init(host: String(host), port: port)
    }

    /// The servers of a `location`: separated by `;` or `,`, as Django splits it.
    /// The same server twice is an error (it would get twice the keys).
    public static func list(parsing location: String) throws -> [MemcachedServer] {
        let parts = CacheConfiguration.serverLocations(in: location)
        guard !parts.isEmpty else {
            throw CacheConfigurationError(
                "no memcached server is given; write \"127.0.0.1:11211\", or several separated by ';' or ','")
        }
        var servers: [MemcachedServer] = []
        for part in parts {
            let server = try MemcachedServer(parsing: part)
            if servers.contains(server) {
                throw CacheConfigurationError("the memcached server \(server) is listed twice")
            }
            servers.append(server)
        }
        return servers
    }

    /// `host:port` (`[address]:port` for IPv6), or `unix:/path`.
    public var description: String {
        switch address {
        case .tcp(let host, let port):
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket(let path):
            return "unix:\(path)"
        }
    }

    /// The name hashed onto the ketama ring: libketama's `host:port`, or the
    /// socket path.
    var ketamaName: String {
        switch address {
        case .tcp(let host, let port): return "\(host):\(port)"
        case .unixSocket(let path): return path
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
