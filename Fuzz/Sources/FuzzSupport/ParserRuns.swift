#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts the executions each parser got, and prints them when the fuzzer
/// exits, one `parser <name>: runs=<n>` line each, for `scripts/fuzz.sh`.
///
/// libFuzzer calls a target from one thread only, so plain globals suffice.
public enum ParserRuns {
    nonisolated(unsafe) private static var counts: [String: Int] = [:]
    nonisolated(unsafe) private static var registered = false

    /// Records one execution of `parser`.
    public static func count(_ parser: String) {
        if !registered {
            registered = true
            atexit { ParserRuns.report() }
        }
        counts[parser, default: 0] += 1
    }

    private static func report() {
        for (parser, runs) in counts.sorted(by: { $0.key < $1.key }) {
            writeToStandardError("parser \(parser): runs=\(runs)\n")
        }
    }
}

/// Stops the fuzzer with a message when an invariant does not hold: libFuzzer
/// reports the abort as a crash and saves the input.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard condition else {
        writeToStandardError("invariant violated: \(message())\n")
        abort()
    }
}

/// Writes to file descriptor 2 (`stderr` is a C global Swift 6 will not share).
public func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
