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
        // Up to 20 s: the whole suite runs in parallel on a small CI machine.
        for _ in 0..<400 {
            if FileManager.default.fileExists(atPath: "\(directory)/redis.pid"), FreePort.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOfFile: "\(directory)/redis.log", encoding: .utf8)) ?? "(no log)"
        throw ChildProcessError(message: "redis-server on port \(port) did not come up; its log:\n\(log.suffix(2000))")
    }

    /// Sends `signal` (`STOP` to hang the server: its port still accepts
    /// connections, but nothing answers; `CONT` to resume it).
    func signal(_ signal: String) async throws {
        guard let text = try? String(contentsOfFile: "\(directory)/redis.pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ChildProcessError(message: "redis-server on port \(port) has no pid file")
        }
        try ProcessSignals.send(signal, toTreeOf: pid)
    }

    /// Kills the server at once (SIGKILL: no goodbye to clients) and waits until it is gone.
    func kill() async {
        guard let text = try? String(contentsOfFile: "\(directory)/redis.pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        try? ProcessSignals.send(SIGKILL, toTreeOf: pid)
        for _ in 0..<100 {
            guard FreePort.accepts(port) else { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? FileManager.default.removeItem(atPath: "\(directory)/redis.pid")
    }
}
