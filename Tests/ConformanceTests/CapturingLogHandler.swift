import Logging
import Synchronization

/// A log handler that records messages, to assert on key warnings.
final class LogCapture: Sendable {
    private let storage = Mutex<[(level: Logger.Level, message: String)]>([])

    var messages: [String] { storage.withLock { $0.map(\.message) } }
    var warnings: [String] { storage.withLock { $0.filter { $0.level == .warning }.map(\.message) } }

    func record(_ level: Logger.Level, _ message: String) {
        storage.withLock { $0.append((level, message)) }
    }

    func reset() { storage.withLock { $0.removeAll() } }

    /// A logger that writes into this capture.
    var logger: Logger {
        Logger(label: "capture") { _ in CapturingLogHandler(capture: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.record(event.level, event.message.description)
    }
}
