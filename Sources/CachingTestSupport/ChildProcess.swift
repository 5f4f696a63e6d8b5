import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A program that could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
    /// An error with `message`.
    public init(message: String) { self.message = message }
}

/// A program run to its end, its output captured.
public enum ChildProcess {
    #if canImport(Glibc)
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later),
    /// looked up at run time: Swift's Glibc module does not import it.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    private static func closeFrom3(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>) {
        _ = addCloseFrom?(actions, 3)
    }
    #endif

    /// The path of this package's executable `name`, built next to the test
    /// bundle (a test target that runs it depends on its target), or in
    /// `.build/debug` of the working directory.
    public static func builtExecutable(_ name: String) throws -> String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        for candidate in [bundleDirectory + "/" + name, FileManager.default.currentDirectoryPath + "/.build/debug/" + name]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw ChildProcessError(message: "\(name) is not built next to \(bundleDirectory); run `swift build`")
    }

    /// `curl -s -i` of `url`, retried every 100 ms for up to 10 s until the
    /// answer is a 200 (a server starting up); the last transcript either way.
    public static func curlUntilOK(_ url: String) async throws -> String {
        var transcript = ""
        for _ in 0..<100 {
            transcript = try await run("/usr/bin/env", ["curl", "-s", "-i", "--max-time", "5", url]).output
            if transcript.hasPrefix("HTTP/1.1 200") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return transcript
    }

    /// Runs `executable` and returns its exit status, standard output and standard error.
    public static func run(_ executable: String, _ arguments: [String], directory: String? = nil) async throws
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
        #if canImport(Glibc)
        // Nothing else of this process's: NIO's sockets are not close-on-exec,
        // and a server started here (a daemonizing memcached, pg_ctl, a
        // restarted Redis node) would keep every connection the tests had
        // open at that moment open for its whole life (seen: 26 PostgreSQL
        // connections held by a test's private server, the shared server out
        // of connection slots, "no connection left open" checks failing).
        closeFrom3(&actions)
        #endif
        // The default signal mask and handlers: children inherit the test
        // process's (SIGTERM blocked), and a server that ignores SIGTERM
        // outlives a polite stop.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        // In another working directory: through the shell (posix_spawn has no
        // portable chdir action).
        let program = directory == nil ? executable : "/bin/sh"
        let words = directory.map { ["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", $0, executable] + arguments }
            ?? ([executable] + arguments)
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw ChildProcessError(message: "cannot run \(executable): error \(spawned)")
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
