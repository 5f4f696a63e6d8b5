#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback TCP ports that nothing listens on, for servers a test starts itself.
public enum FreePort {
    /// A port the kernel just handed out for 127.0.0.1 and that is free again.
    ///
    /// Another process could take it before the test's server binds it; the
    /// kernel hands out ephemeral ports in rotation, so in practice it does not.
    public static func next() throws -> Int {
        let (descriptor, port) = try bound()
        close(descriptor)
        return port
    }

    /// A socket bound to a port the kernel picks on 127.0.0.1, not
    /// listening, and that port; the caller closes the socket.
    static func bound() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcessError(message: "socket() failed: errno \(errno)") }
        var address = loopback(port: 0)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, size) }
        }
        guard bound == 0 else {
            let code = errno
            close(descriptor)
            throw ChildProcessError(message: "bind() failed: errno \(code)")
        }
        var length = size
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(descriptor)
            throw ChildProcessError(message: "getsockname() failed: errno \(code)")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Whether something on 127.0.0.1 accepts connections on `port`: how a
    /// test waits for a server it started, or for one it killed to be gone.
    public static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// The socket address of `port` on 127.0.0.1.
    public static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A loopback port that refuses every connection for as long as this value
/// lives: a socket bound to it that never listens.
///
/// Tests of "nothing listens there" use it rather than ``FreePort/next()``:
/// a port that is merely free can be taken, mid-test, by another test's
/// server binding port 0 or by an outgoing connection's local end (which
/// then connects to itself), and the test then talks to a stranger. A bound
/// port is handed to neither. Keep it alive to the test's end with
/// `defer { withExtendedLifetime(refusing) {} }`.
public final class RefusingPort: Sendable {
    /// The port, refused on 127.0.0.1 while this value lives.
    public let port: Int
    private let descriptor: Int32

    /// Binds a port the kernel picks.
    public init() throws {
        (descriptor, port) = try FreePort.bound()
    }

    deinit {
        close(descriptor)
    }
}
