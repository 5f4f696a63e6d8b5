import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Signals sent straight from the test process (no `kill` or `pgrep` child
/// processes: a test that hangs a server should not depend on spawning more
/// of them while it does).
public enum ProcessSignals {
    /// The processes whose parent is `parent`, read from `/proc` (empty
    /// where there is no `/proc`).
    public static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  // `pid (command) state ppid …`: the command may hold spaces
                  // and parentheses, so read after the last `)`.
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, pid_t(fields[1]) == parent else { return nil }
            return pid
        }
    }

    /// The signal `name` names, as `kill -NAME` takes it (`STOP`, `CONT`,
    /// `KILL`, `TERM`, `INT`, `HUP`).
    public static func number(named name: String) throws -> Int32 {
        let numbers: [String: Int32] = ["STOP": SIGSTOP, "CONT": SIGCONT, "KILL": SIGKILL, "TERM": SIGTERM, "INT": SIGINT,
                                        "HUP": SIGHUP]
        guard let number = numbers[name] else { throw ChildProcessError(message: "unknown signal name \(name)") }
        return number
    }

    /// Sends the signal named `name` (see ``number(named:)``) as
    /// the signal-number form of `send(_:toTreeOf:)` does.
    public static func send(_ name: String, toTreeOf pid: pid_t) throws {
        try send(try number(named: name), toTreeOf: pid)
    }

    /// Sends `signal` to `pid` (failing if it cannot), then to each of its
    /// children (a child that has exited meanwhile is skipped). The parent
    /// goes first, so a stopped parent starts no new child that would miss
    /// the signal.
    public static func send(_ signal: Int32, toTreeOf pid: pid_t) throws {
        guard kill(pid, signal) == 0 else {
            throw ChildProcessError(message: "cannot send signal \(signal) to process \(pid): errno \(errno)")
        }
        for child in children(of: pid) { _ = kill(child, signal) }
    }
}
