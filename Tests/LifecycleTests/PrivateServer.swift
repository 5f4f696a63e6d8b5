import CachingTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A redis-server or memcached of the test's own, on a free port, so that the
/// connections it counts are the code under test's alone (the shared servers
/// on 6379 and 11211 serve every other test too).
struct PrivateServer: Sendable {
    enum Kind: String, Sendable { case redis, memcached }

    let kind: Kind
    let port: Int
    let directory: String
    /// memcached's `curr_connections` with no client but the probe: its
    /// listening sockets count too.
    private let baseline: Int

    /// Starts a server and waits until it accepts connections.
    static func start(_ kind: Kind) async throws -> PrivateServer {
        let port = try FreePort.next()
        let directory = FileManager.default.temporaryDirectory.path
            + "/swift-caching-lifecycle-\(kind.rawValue)-\(port)-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pidFile = directory + "/server.pid"
        let words: [String]
        switch kind {
        case .redis:
            words = ["redis-server", "--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no",
                     "--daemonize", "yes", "--dir", directory, "--pidfile", pidFile, "--logfile", directory + "/server.log"]
        case .memcached:
            words = ["memcached", "-l", "127.0.0.1", "-p", "\(port)", "-U", "0", "-m", "16", "-t", "2", "-d", "-P", pidFile]
                + (getuid() == 0 ? ["-u", "root"] : [])
        }
        let result = try await ChildProcess.run("/usr/bin/env", words)
        guard result.status == 0 else {
            throw ChildProcessError(message: "\(kind.rawValue) did not start (is it installed?): \(result.output)\(result.errors)")
        }
        for _ in 0..<400 {
            if FileManager.default.fileExists(atPath: pidFile), FreePort.accepts(port) {
                var server = PrivateServer(kind: kind, port: port, directory: directory, baseline: 0)
                if kind == .memcached { server = PrivateServer(kind: kind, port: port, directory: directory, baseline: try await server.stat("curr_connections")) }
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ChildProcessError(message: "\(kind.rawValue) on port \(port) did not come up")
    }

    /// Stops the server and removes its directory.
    func stop() async {
        if let text = try? String(contentsOfFile: directory + "/server.pid", encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            try? ProcessSignals.send(SIGKILL, toTreeOf: pid)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The connections clients other than the probe hold to the server.
    func clientConnections() async throws -> Int {
        switch kind {
        case .redis:
            let list = try await redis("CLIENT", "LIST")
            // redis-cli's own connection is the one running CLIENT LIST.
            return list.split(separator: "\n").filter { !$0.contains("cmd=client") }.count
        case .memcached:
            return try await stat("curr_connections") - baseline
        }
    }

    /// Waits (up to 10 s) until no client but the probe is connected; the count then.
    func connectionsAfterClientsLeave() async throws -> Int {
        var count = try await clientConnections()
        for _ in 0..<200 where count > 0 {
            try await Task.sleep(for: .milliseconds(50))
            count = try await clientConnections()
        }
        return count
    }

    /// `redis-cli` against this server; its output, trimmed.
    func redis(_ words: String...) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/env", ["redis-cli", "-p", "\(port)"] + words)
        guard result.status == 0 else { throw ChildProcessError(message: "redis-cli \(words) failed: \(result.errors)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// One number of memcached's `stats`.
    private func stat(_ name: String) async throws -> Int {
        let script = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
            s.sendall(b"stats\\r\\n")
            data = b""
            while not data.endswith(b"END\\r\\n"):
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            sys.stdout.write(data.decode())
            """
        let output = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, "\(port)"]).output
        for line in output.split(separator: "\r\n") {
            let words = line.split(separator: " ")
            if words.count == 3, words[1] == name, let value = Int(words[2]) { return value }
        }
        throw ChildProcessError(message: "memcached on \(port) has no stat \(name): \(output)")
    }
}

/// The shared PostgreSQL server (user and password `caching`, database
/// `caching_test`), asked with psql.
enum TestPostgres {
    /// The URL of the test database; its connections are named `applicationName`.
    static func url(applicationName: String) -> String {
        "postgres://caching:caching@127.0.0.1:5432/caching_test?sslmode=disable&application_name=\(applicationName)"
    }

    /// The one value `sql` selects.
    static func query(_ sql: String) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/env", [
            "PGPASSWORD=caching", "psql", "-h", "127.0.0.1", "-U", "caching", "-d", "caching_test", "-tAc", sql,
        ])
        guard result.status == 0 else {
            throw ChildProcessError(message: "psql failed (is PostgreSQL on 5432 up? scripts/services.sh start): \(result.errors)")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The connections named `applicationName`, after waiting (up to 10 s)
    /// for them to go when `untilZero`.
    static func connections(applicationName: String, untilZero: Bool = false) async throws -> Int {
        let sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(applicationName)'"
        var count = Int(try await query(sql)) ?? -1
        for _ in 0..<200 where untilZero && count != 0 {
            try await Task.sleep(for: .milliseconds(50))
            count = Int(try await query(sql)) ?? -1
        }
        return count
    }
}
