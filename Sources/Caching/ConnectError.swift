import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads what a failed SwiftNIO connect means, so every network backend words
/// "nothing listens there" the same way.
package enum ConnectError {
    /// Whether `error` (from a `ClientBootstrap` connect) says the server
    /// refused the connection: nothing listens at the address.
    package static func isRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        if let error = error as? NIOConnectionError {
            return !error.connectionErrors.isEmpty && error.connectionErrors.allSatisfy { isRefused($0.error) }
        }
        return false
    }

    /// Whether `error` is the connect timeout of a `ClientBootstrap`.
    package static func isTimeout(_ error: any Error) -> Bool {
        if case ChannelError.connectTimeout = error { return true }
        return false
    }
}
