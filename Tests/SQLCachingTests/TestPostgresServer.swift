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
        directory = FileManager.default.temporaryDirectory.path + "/swift-caching-pg-\(port)-" + UUID().uuidString.prefix(8)
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

    func stop() async throws {
        try await asServerUser(Self.binary("pg_ctl"), ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
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

/// A program run to its end, its output captured.
enum ChildProcess {
    /// Runs `executable` and returns its exit status, standard output and standard error.
    static func run(_ executable: String, _ arguments: [String], directory: String? = nil) async throws
        -> (status: Int32, output: String, errors: String) {
        let outputPath = FileManager.default.temporaryDirectory.path + "/swift-caching-child-output-" + UUID().uuidString
        let errorPath = outputPath + "-errors"
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // In another working directory: through the shell (posix_spawn has no
        // portable chdir action).
        let program = directory == nil ? executable : "/bin/sh"
        let words = directory.map { ["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", $0, executable] + arguments }
            ?? ([executable] + arguments)
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw TestPostgresServer.ServerError(message: "cannot run \(executable): error \(spawned)")
        }
        let child = pid
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS, spelled out (the C macros are not imported).
        let exitStatus: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, output, errors)
    }
}
