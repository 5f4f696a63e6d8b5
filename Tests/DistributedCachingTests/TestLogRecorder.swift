import Logging
import Synchronization

/// Records log messages, so tests can check what a backend warned about.
final class TestLogRecorder: Sendable {
    private let entries = Mutex<[(level: Logger.Level, message: String)]>([])

    /// The warnings recorded.
    var warnings: [String] { entries.withLock { $0.filter { $0.level == .warning }.map(\.message) } }

    /// A logger that writes here.
    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    fileprivate func record(_ level: Logger.Level, _ message: String) {
        entries.withLock { $0.append((level, message)) }
    }

    private struct Handler: LogHandler {
        let recorder: TestLogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, event.message.description)
        }
    }
}
