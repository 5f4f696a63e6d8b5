import CachingTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A memcached process of the test's own, on a free loopback port, that a test
/// can kill and start again (the shared servers on 11211 and 11212 are never
/// touched).
final class MemcachedTestServer: @unchecked Sendable {
    // @unchecked: `process` is only replaced by start() and kill(), which a
    // test calls from one task at a time.
    let port: Int
    let arguments: [String]
    private let logPath: String
    private var process: Process?

    /// `host:port`, as settings write it.
    var location: String { "127.0.0.1:\(port)" }

    /// Runs `body` with a server of its own, and stops the server afterwards,
    /// whether `body` succeeds or not. `arguments` are added to memcached's
    /// command line (`-I 1k` and so on).
    static func with<T>(arguments: [String] = [], _ body: (MemcachedTestServer) async throws -> T) async throws -> T {
        let server = try MemcachedTestServer(arguments: arguments)
        defer { server.kill() }
        try await server.start()
        return try await body(server)
    }

    /// Two servers of the test's own.
    static func withPair<T>(_ body: (MemcachedTestServer, MemcachedTestServer) async throws -> T) async throws -> T {
        try await with { first in
            try await with { second in try await body(first, second) }
        }
    }

    private init(arguments: [String]) throws {
        port = try FreePort.next()
        self.arguments = arguments
        logPath = FileManager.default.temporaryDirectory.path + "/swift-caching-memcached-\(port)-\(UUID().uuidString.prefix(8)).log"
    }

    /// Starts the server (again, after ``kill()``, on the same port) and waits
    /// until it accepts connections.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        var words = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "16", "-t", "2"]
        if getuid() == 0 { words += ["-u", "root"] }
        process.arguments = words + arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<400 {
            if FreePort.accepts(port) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        kill()
        throw ChildProcessError(message: "memcached did not start on port \(port): \(output)")
    }

    /// Sends `signal` to the server (`SIGSTOP` hangs it: its port still
    /// accepts connections, but nothing answers; `SIGCONT` resumes it).
    func signal(_ signal: Int32) {
        guard let process else { return }
        try? ProcessSignals.send(signal, toTreeOf: process.processIdentifier)
    }

    /// Kills the server at once (SIGKILL, as a crash) and waits for it to exit.
    func kill() {
        guard let process else { return }
        self.process = nil
        Self.killNow(process)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    /// SIGKILL to `process` if it still runs, then waits for it to exit.
    private static func killNow(_ process: Process) {
        guard process.isRunning else { return }
        try? ProcessSignals.send(SIGKILL, toTreeOf: process.processIdentifier)
        process.waitUntilExit()
    }

    /// Runs `body` with a memcached of its own listening on a Unix domain
    /// socket (its path is given to `body`), stopped afterwards.
    static func withUnixSocket<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.path + "/swift-caching-mc-\(UUID().uuidString.prefix(8)).sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = ["-s", path, "-a", "0700", "-m", "16"] + (getuid() == 0 ? ["-u", "root"] : [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            killNow(process)
            try? FileManager.default.removeItem(atPath: path)
        }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: path) && process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ChildProcessError(message: "memcached did not create its socket \(path)")
        }
        return try await body(path)
    }

    /// The memcached program.
    static func binary() throws -> String {
        for directory in ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/usr/sbin"]
        where FileManager.default.isExecutableFile(atPath: "\(directory)/memcached") {
            return "\(directory)/memcached"
        }
        throw ChildProcessError(message: "cannot find the memcached program; install the memcached package (scripts/services.sh start does)")
    }
}
