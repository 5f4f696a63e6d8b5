import Caching
import Logging
import Synchronization

/// Records log messages, so tests can assert on key warnings and logged errors.
public final class LogCapture: Sendable {
    private let storage = CacheLock<[(level: Logger.Level, message: String)]>([])

    /// An empty capture.
    public init() {}

    /// Every message recorded.
    public var messages: [String] { storage.withLock { $0.map(\.message) } }
    /// The warnings recorded.
    public var warnings: [String] { storage.withLock { $0.filter { $0.level == .warning }.map(\.message) } }

    /// Records one message.
    public func record(_ level: Logger.Level, _ message: String) {
        storage.withLock { $0.append((level, message)) }
    }

    /// Forgets every message.
    public func reset() { storage.withLock { $0.removeAll() } }

    /// A logger that writes into this capture.
    public var logger: Logger {
        Logger(label: "capture") { _ in CapturingLogHandler(capture: self) }
    }
}

/// The log handler behind ``LogCapture/logger``.
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
