import Caching
import CachingTestSupport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback TCP server that speaks just enough of memcached's protocol for
/// a test to script the replies: wrong ones, none, or right ones cut into
/// pieces. Plain sockets on threads of its own, so nothing it does depends on
/// the client under test.
///
/// Each command line (an `ms` command's data block is read and dropped) is
/// recorded and given to `respond`, with the number of the connection it came
/// on (1 for the first); the bytes it returns are sent back, nothing when it
/// returns `nil`; ``hangUp`` closes the connection instead.
final class FakeMemcachedServer: Sendable {
    typealias Responder = @Sendable (_ connection: Int, _ line: String) -> [UInt8]?

    /// A reply that closes the connection without answering (a server that
    /// restarts, or drops an idle connection, as a command arrives).
    static let hangUp: [UInt8] = Array("<hang up>".utf8)

    let port: Int
    private let listener: Int32
    private let respond: Responder
    /// Send replies one byte at a time, so the client sees them in pieces.
    private let dribble: Bool
    private let state = CacheLock(State())

    private struct State {
        var connections = 0
        var lines: [String] = []
        /// Descriptors still open. A descriptor leaves this list, under the
        /// lock, before it is closed, and ``stop()`` shuts down only what is
        /// listed, under the same lock: a closed descriptor's number may
        /// already belong to another test's socket in this process.
        var clients: Set<Int32> = []
        var listenerOpen = true
        var stopped = false
    }

    /// Starts listening on a free loopback port.
    init(dribble: Bool = false, respond: @escaping Responder) throws {
        self.respond = respond
        self.dribble = dribble
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcessError(message: "socket() failed: \(errno)") }
        var address = FreePort.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw ChildProcessError(message: "cannot listen on a loopback port: \(errno)")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Runs `body` with a fake server, and stops it afterwards.
    static func with<T>(dribble: Bool = false, respond: @escaping Responder,
                        _ body: (FakeMemcachedServer) async throws -> T) async throws -> T {
        let server = try FakeMemcachedServer(dribble: dribble, respond: respond)
        defer { server.stop() }
        return try await body(server)
    }

    /// `host:port`, as settings write it.
    var location: String { "127.0.0.1:\(port)" }

    /// How many connections were accepted.
    var connectionCount: Int { state.withLock { $0.connections } }

    /// Every command line received, in order.
    var lines: [String] { state.withLock { $0.lines } }

    /// Stops listening and closes every connection. The threads close their
    /// own descriptors; this only shuts them down, so it never touches a
    /// descriptor number that was closed and handed to someone else.
    func stop() {
        state.withLock { state in
            state.stopped = true
            if state.listenerOpen { shutdown(listener, Int32(SHUT_RDWR)) }
            for client in state.clients { shutdown(client, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        defer {
            state.withLock { state in
                state.listenerOpen = false
                close(listener)
            }
        }
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR || errno == ECONNABORTED, !state.withLock({ $0.stopped }) { continue }
                return
            }
            let number = state.withLock { state -> Int? in
                guard !state.stopped else { return nil }
                state.connections += 1
                state.clients.insert(client)
                return state.connections
            }
            guard let number else {
                close(client)
                return
            }
            Thread.detachNewThread { [self] in serve(client, number: number) }
        }
    }

    private func serve(_ client: Int32, number: Int) {
        defer {
            state.withLock { state in
                state.clients.remove(client)
                close(client)
            }
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            buffer += chunk[0..<count]
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var lineBytes = buffer[..<newline]
                if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
                let line = String(decoding: lineBytes, as: UTF8.self)
                var consumed = newline + 1
                let words = line.split(separator: " ")
                if words.first == "ms", words.count >= 3, let length = Int(words[2]) {
                    guard buffer.count >= consumed + length + 2 else { break }
                    consumed += length + 2
                }
                buffer.removeFirst(consumed)
                state.withLock { $0.lines.append(line) }
                guard let reply = respond(number, line) else { continue }
                if reply == Self.hangUp { return }
                if !send(reply, to: client) { return }
            }
        }
    }

    private func send(_ bytes: [UInt8], to client: Int32) -> Bool {
        let pieces: [ArraySlice<UInt8>] = dribble ? bytes.indices.map { bytes[$0...$0] } : [bytes[...]]
        for piece in pieces {
            var offset = piece.startIndex
            while offset < piece.endIndex {
                let sent = piece[offset...].withUnsafeBytes { Self.write($0, to: client) }
                guard sent > 0 else { return false }
                offset += sent
            }
            if dribble { usleep(200) }
        }
        return true
    }
}

extension FakeMemcachedServer {
    /// send(2) without SIGPIPE when the client has gone.
    private static func write(_ bytes: UnsafeRawBufferPointer, to client: Int32) -> Int {
        #if canImport(Glibc)
        return Glibc.send(client, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        #else
        return Darwin.send(client, bytes.baseAddress, bytes.count, 0)
        #endif
    }
}

extension Array where Element == UInt8 {
    /// The bytes of a protocol text.
    static func reply(_ text: String) -> [UInt8] { Array(text.utf8) }
}
