import CachingTestSupport
import Foundation

/// A redis-server of the test's own, on a free port, that the test can kill
/// and start again (the shared server on 6379 is never touched).
final class TestRedisServer: Sendable {
    let port: Int
    private let directory: String
    private let extraArguments: [String]

    var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Runs `body` with a fresh server, and stops it afterwards whatever happens.
    static func with(_ arguments: [String] = [], _ body: (TestRedisServer) async throws -> Void) async throws {
        let server = try TestRedisServer(arguments: arguments)
        do {
            try await server.start()
            try await body(server)
        } catch {
            await server.kill()
            throw error
        }
        await server.kill()
        try? FileManager.default.removeItem(atPath: server.directory)
    }

    private init(arguments: [String]) throws {
        port = try FreePort.next()
        directory = FileManager.default.temporaryDirectory.path + "/swift-caching-redis-\(port)-" + UUID().uuidString.prefix(8)
        extraArguments = arguments
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Starts the server and waits until it accepts connections.
    func start() async throws {
        let result = try await ChildProcess.run("/usr/bin/env", [
            "redis-server", "--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no",
            "--daemonize", "yes", "--dir", directory, "--pidfile", "\(directory)/redis.pid",
            "--logfile", "\(directory)/redis.log",
        ] + extraArguments)
        guard result.status == 0 else {
            throw ChildProcessError(message: "redis-server did not start (install redis-server): \(result.output)\(result.errors)")
        }
        for _ in 0..<100 {
            if FileManager.default.fileExists(atPath: "\(directory)/redis.pid"), Self.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError(message: "redis-server on port \(port) did not come up")
    }

    /// Kills the server at once (SIGKILL: no goodbye to clients) and waits until it is gone.
    func kill() async {
        guard let text = try? String(contentsOfFile: "\(directory)/redis.pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        _ = try? await ChildProcess.run("/usr/bin/env", ["kill", "-9", "\(pid)"])
        for _ in 0..<100 where Self.accepts(port) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? FileManager.default.removeItem(atPath: "\(directory)/redis.pid")
    }

    private static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
