import CachingTestSupport
import Foundation

/// A PostgreSQL server of the test's own, on its own port and data directory,
/// that a test can stop and start (the shared server is never touched).
final class TestPostgresServer: Sendable {
    // Use through ``with(port:_:)``, which always cleans up.
    let port: Int
    let directory: String

    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable" }

    /// Runs `body` with a server of its own on `port`, and removes the server
    /// afterwards, whether `body` succeeds or not.
    static func with(port: Int, _ body: (TestPostgresServer) async throws -> Void) async throws {
        let server = TestPostgresServer(port: port)
        do {
            try await server.create()
            try await body(server)
        } catch {
            await server.destroy()
            throw error
        }
        await server.destroy()
    }

    private init(port: Int) {
        self.port = port
        directory = Self.sharedTemporaryDirectory + "/swift-caching-pg-\(port)-" + UUID().uuidString.prefix(8)
    }

    /// A folder the `postgres` user can pass through: `TMPDIR` when other
    /// users may enter it, else `/tmp`. A private `TMPDIR` (mode 0700, as
    /// `mktemp -d` makes one) would stop `initdb`, run as `postgres`, from
    /// reaching its data directory, whatever that directory's own mode.
    static var sharedTemporaryDirectory: String {
        let temporary = FileManager.default.temporaryDirectory.path
        let mode = (try? FileManager.default.attributesOfItem(atPath: temporary)[.posixPermissions] as? Int) ?? 0
        return mode & 0o001 != 0 ? temporary : "/tmp"
    }

    /// Initialises a data directory and starts the server.
    private func create() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try await Self.run("/bin/chown", ["postgres:postgres", directory]) }
        try await asServerUser(Self.binary("initdb"), ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "--no-sync"])
        try await start()
    }

    func start() async throws {
        try await asServerUser(Self.binary("pg_ctl"), [
            "-D", directory + "/data", "-l", directory + "/log", "-w", "-t", "30",
            "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        ])
    }

    /// Makes TCP logins need `password` (SCRAM) for the `postgres` role;
    /// the server's own socket stays trusted.
    func requirePassword(_ password: String) async throws {
        try await asServerUser(Self.binary("psql"), [
            "-h", directory, "-p", "\(port)", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
            "-c", "SET password_encryption = 'scram-sha-256'; ALTER ROLE postgres PASSWORD '\(password)'",
        ])
        try "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
            .write(toFile: directory + "/data/pg_hba.conf", atomically: false, encoding: .utf8)
        try await asServerUser(Self.binary("pg_ctl"), ["-D", directory + "/data", "reload"])
    }

    func stop() async throws {
        try await asServerUser(Self.binary("pg_ctl"), ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
    }

    /// Sends `signal` (`STOP`: the server hangs, its port still accepting
    /// connections; `CONT`: it resumes) to the postmaster and its backends.
    func signal(_ signal: String) async throws {
        let text = try String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ pid_t($0) }) else {
            throw ServerError(message: "no pid in \(directory)/data/postmaster.pid")
        }
        try ProcessSignals.send(signal, toTreeOf: pid)
    }

    /// Stops the server (if running) and removes its files.
    func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func asServerUser(_ executable: String, _ arguments: [String]) async throws {
        if getuid() == 0 {
            let command = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
                .joined(separator: " ")
            try await Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", "/bin/sh", "-c", command])
        } else {
            try await Self.run(executable, arguments)
        }
    }

    /// The path of a PostgreSQL server program (Debian keeps them out of PATH).
    static func binary(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: >) where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/\(name)") {
            return "\(root)/\(version)/bin/\(name)"
        }
        for directory in ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw ServerError(message: "cannot find the PostgreSQL program '\(name)'; install the postgresql package")
    }

    struct ServerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Runs a program to its end and returns its output.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process: on Linux,
    /// Process learns of the exit through a descriptor that the server started by
    /// `pg_ctl start` inherits, so it would wait for the server to stop.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(executable, arguments)
        guard result.status == 0 else {
            throw ServerError(message: "\(executable) \(arguments.joined(separator: " ")) failed: \(result.output)\(result.errors)")
        }
        return result.output
    }
}
