import CachingTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One of this package's executables, running in the background with its
/// output in a file, for tests that signal it.
final class RunningProgram: @unchecked Sendable {
    // @unchecked: `process` is only read after `run()`, and Process is
    // thread-safe for isRunning, terminationStatus and processIdentifier.
    private let process = Process()
    private let logPath: String

    /// Starts the built executable `name` with `arguments`.
    init(_ name: String, _ arguments: [String]) throws {
        logPath = FileManager.default.temporaryDirectory.path + "/swift-caching-lifecycle-\(name)-" + UUID().uuidString.prefix(8) + ".log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.executableURL = URL(fileURLWithPath: try ChildProcess.builtExecutable(name))
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: logPath)
    }

    /// Whether it has not exited yet.
    var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGTERM: what an orchestrator sends to stop a server).
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Its exit status once it exits, waiting up to `seconds`; `nil` (and a
    /// SIGKILL) when it is still running then.
    func exitStatus(within seconds: Int) async throws -> Int32? {
        for _ in 0..<(seconds * 20) where process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    /// What it printed so far.
    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// Waits (up to 20 s) until nothing accepts connections on `port`; whether it came to that.
func refusesConnections(_ port: Int) async throws -> Bool {
    for _ in 0..<400 where FreePort.accepts(port) {
        try await Task.sleep(for: .milliseconds(50))
    }
    return !FreePort.accepts(port)
}

/// GETs `url` with curl; the exit status (18: the body was cut short) and
/// the body followed by a line with the status code.
func curlGet(_ url: String) async throws -> (status: Int32, body: String) {
    let result = try await ChildProcess.run("/usr/bin/env", ["curl", "-s", "--max-time", "60", "-w", "\n%{http_code}", url])
    return (result.status, result.output)
}
