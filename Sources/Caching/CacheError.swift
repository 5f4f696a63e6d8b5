/// An error raised by the cache API or one of its backends.
///
/// Every case carries what a user needs to fix the problem: the key, the alias,
/// the option, or the underlying failure. Messages are written for people, not
/// for machines; match on the case when you need to branch.
public enum CacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `increment`, `decrement`, `incrementVersion` or `decrementVersion` found no
    /// live entry for the key (Django's `ValueError("Key '<key>' not found")`).
    case keyNotFound(key: String)
    /// The stored value is not an integer, so it cannot be incremented.
    case notAnInteger(key: String)
    /// Incrementing would overflow a 64-bit integer.
    case integerOverflow(key: String)
    /// The stored value is of another type than the one asked for
    /// (asking for `Int` where a `String` is stored).
    case typeMismatch(key: String, expected: String)
    /// The stored bytes could not be decoded (corrupt entry, or a value written by
    /// an incompatible coder).
    case undecodableValue(key: String, reason: String)
    /// The value could not be encoded for storage.
    case unencodableValue(key: String, reason: String)
    /// The final key is rejected by a backend that cannot store it (memcached).
    case invalidKey(String)
    /// The value is larger than the backend can hold (memory byte budget,
    /// memcached item size, a database column).
    case valueTooLarge(key: String, size: Int, limit: Int)
    /// The backend failed: the server is down, the disk is read-only, the table is
    /// missing, the reply made no sense. `backend` names the backend and alias.
    case backendFailure(backend: String, message: String)
    /// The operation did not finish within the backend's timeout.
    case timeout(backend: String, message: String)
    /// The backend's server could not be used: `reason` says what happened
    /// (refused, wrong credentials, missing database, circuit open), the
    /// message which server and what to check.
    case unavailable(backend: String, reason: CacheUnavailableReason, message: String)

    public var description: String {
        switch self {
        case .keyNotFound(let key):
            return "Key '\(key)' not found"
        case .notAnInteger(let key):
            return "The value stored under key '\(key)' is not an integer and cannot be incremented"
        case .integerOverflow(let key):
            return "Incrementing the value stored under key '\(key)' would overflow a 64-bit integer"
        case .typeMismatch(let key, let expected):
            return "The value stored under key '\(key)' is not of type \(expected)"
        case .undecodableValue(let key, let reason):
            return "The value stored under key '\(key)' could not be decoded: \(reason)"
        case .unencodableValue(let key, let reason):
            return "The value for key '\(key)' could not be encoded: \(reason)"
        case .invalidKey(let message):
            return message
        case .valueTooLarge(let key, let size, let limit):
            return "The value for key '\(key)' is \(size) bytes, over the limit of \(limit) bytes"
        case .backendFailure(let backend, let message):
            return "\(backend): \(message)"
        case .timeout(let backend, let message):
            return "\(backend): timed out: \(message)"
        case .unavailable(let backend, let reason, let message):
            return "\(backend): \(reason): \(message)"
        }
    }

    /// Whether the error says the server could not be used (a timeout, or
    /// ``unavailable(backend:reason:message:)``), as opposed to a problem with
    /// a key, a value or a reply: these are the errors the `miss` failure mode
    /// turns into misses, and that count towards opening a circuit breaker.
    /// A cache that was shut down (``CacheUnavailableReason/shutDown``) is
    /// not: its calls fail whatever the failure mode.
    public var isServerUnavailable: Bool {
        switch self {
        case .unavailable(_, .shutDown, _): return false
        case .timeout, .unavailable: return true
        default: return false
        }
    }
}

/// An error in the settings: an unknown section, member, alias or backend, a
/// missing `default` alias, a mistyped value, malformed JSON. Raised at start-up,
/// never silently ignored.
///
/// It names where the problem is — the settings file and the JSON path
/// (`caches.default.options.maxEntries`) or, for malformed JSON, the line and
/// column — so its one-line ``description`` is
/// `<file>: <path>: <what to fix>`, the line the executables print.
public struct CacheConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and how to fix it, without the location.
    public var problem: String
    /// Where in the settings: a JSON path such as `caches.default.options`, or
    /// `line 3, column 7` for malformed JSON; `nil` for settings built in code.
    public var path: String?
    /// The settings file, once known.
    public var file: String?

    /// Creates an error with a message that tells the user what to fix, and
    /// where (a JSON path), when the problem is in a settings document.
    public init(_ problem: String, path: String? = nil, file: String? = nil) {
        self.problem = problem
        self.path = path
        self.file = file
    }

    /// The location (file and path, those known) and the problem, on one line.
    public var message: String {
        ([file, path].compactMap { $0 } + [problem]).joined(separator: ": ")
    }

    /// The same error, located in `file` unless it already names one: for code
    /// that reads a section of a document loaded from that file.
    public func inFile(_ file: String?) -> CacheConfigurationError {
        var located = self
        if located.file == nil { located.file = file }
        return located
    }

    /// The same error at `path` unless it already has one.
    public func atPath(_ path: String) -> CacheConfigurationError {
        var located = self
        if located.path == nil { located.path = path }
        return located
    }

    public var description: String { message }
}
