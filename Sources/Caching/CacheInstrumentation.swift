import Metrics
import Tracing

/// One cache operation, as named in metrics and spans (`operation` dimension,
/// span names `cache.<operation>`).
public enum CacheOperation: String, Sendable, CaseIterable {
    /// ``Cache/get(_:as:version:)`` and the reads of the higher-level calls.
    case get
    /// ``Cache/set(_:_:timeout:version:tags:)``.
    case set
    /// ``Cache/add(_:_:timeout:version:tags:)``.
    case add
    /// ``Cache/touch(_:timeout:version:)``.
    case touch
    /// ``Cache/delete(_:version:)``.
    case delete
    /// ``Cache/hasKey(_:version:)``.
    case hasKey = "has_key"
    /// ``Cache/increment(_:by:version:)`` and ``Cache/decrement(_:by:version:)``.
    case increment = "incr"
    /// ``Cache/getMany(_:as:version:)``.
    case getMany = "get_many"
    /// ``Cache/setMany(_:timeout:version:tags:)``.
    case setMany = "set_many"
    /// ``Cache/deleteMany(_:version:)``.
    case deleteMany = "delete_many"
    /// ``Cache/clear()``.
    case clear
}

/// Where a ``Cache`` reports what its backend calls did: a latency timer and
/// error counters per operation (swift-metrics), and a span per backend call
/// (swift-distributed-tracing).
///
/// Why a type of its own: the handles are made once per alias (swift-metrics
/// handles are meant to be kept), so a call only reads the clock and bumps
/// a handle; and a test or an app can route one cache's telemetry to its own
/// factory and tracer with ``Cache/instrumented(_:)``.
///
/// Metrics (see the Operations article):
/// - `swift_caching_operation_duration_seconds{alias, backend, operation}`: a timer
///   around each backend call, whatever its result;
/// - `swift_caching_operation_errors_total{alias, backend, operation, kind}`:
///   calls that threw, by ``CacheError/kind``.
///
/// Spans are named `cache.<operation>` with the attributes `cache.alias`,
/// `cache.backend`, `cache.operation`, `cache.result` (`hit` or `miss`, reads
/// only) and, only with ``recordsKeys``, `cache.key`. Values are never recorded.
///
/// Instrumentation never fails or slows a call beyond bumping a handle:
/// swift-metrics' handler API cannot throw, and a tracer's failures stay in the
/// tracer (starting and ending a span cannot throw either).
public struct CacheInstrumentation: Sendable {
    /// Where handles are made; `nil`: `MetricsSystem.factory` when the cache is built.
    public var metrics: (any MetricsFactory)?
    /// The tracer; `nil`: `InstrumentationSystem.tracer` when the cache is
    /// built (bootstrap it first, as for metrics: a call then reads no lock).
    public var tracer: (any Tracer)?
    /// Whether spans carry the final key (`cache.key`). Off by default: keys
    /// can hold user data (an e-mail address, a session id).
    public var recordsKeys: Bool

    /// Settings for a cache's telemetry; the defaults use the process-wide
    /// systems and record no keys.
    public init(metrics: (any MetricsFactory)? = nil, tracer: (any Tracer)? = nil, recordsKeys: Bool = false) {
        self.metrics = metrics
        self.tracer = tracer
        self.recordsKeys = recordsKeys
    }
}

/// The handles of one alias, made once (``Cache/init``).
@usableFromInline
final class CacheOperationMetrics: Sendable {
    @usableFromInline let alias: String
    @usableFromInline let backendKind: String
    @usableFromInline let settings: CacheInstrumentation
    let factory: any MetricsFactory
    /// One timer per ``CacheOperation``, in `allCases` order.
    let timers: [Timer]
    /// Whether timers record anything: not with swift-metrics' no-op default,
    /// so an app without a metrics backend reads no clock.
    @usableFromInline let timed: Bool
    /// The tracer of this cache, `nil` when spans are not wanted (no tracer,
    /// or the no-op one): resolved once, so a call takes no lock.
    @usableFromInline let tracer: (any Tracer)?
    /// Whether anything records a call: a metrics backend or a tracer. When
    /// neither does, the memory backend's get and set skip the bookkeeping.
    @usableFromInline let observes: Bool
    /// The hit and miss counters (`swift_caching_gets_total`).
    @usableFromInline let hits: Counter
    @usableFromInline let misses: Counter

    init(alias: String, backend: any CacheBackend, settings: CacheInstrumentation) {
        let factory = settings.metrics ?? MetricsSystem.factory
        self.alias = alias
        self.backendKind = Self.kind(of: backend.name)
        self.settings = settings
        self.factory = factory
        timed = !(factory is NOOPMetricsHandler)
        let tracer = settings.tracer ?? InstrumentationSystem.tracer
        self.tracer = tracer is NoOpTracer ? nil : tracer
        observes = timed || self.tracer != nil
        timers = CacheOperation.allCases.map { operation in
            Timer(
                label: "swift_caching_operation_duration_seconds",
                dimensions: [("alias", alias), ("backend", Self.kind(of: backend.name)), ("operation", operation.rawValue)],
                preferredDisplayUnit: .seconds, factory: factory)
        }
        hits = Counter(label: "swift_caching_gets_total", dimensions: [("alias", alias), ("result", "hit")], factory: factory)
        misses = Counter(label: "swift_caching_gets_total", dimensions: [("alias", alias), ("result", "miss")], factory: factory)
    }

    /// `memory(default)` → `memory`: the backend's kind, a small closed set.
    static func kind(of name: String) -> String {
        String(name.prefix { $0 != "(" })
    }

    // Not called at all with the no-op default: each call reads the handler,
    // one object every core shares, which showed in the memory backend's
    // two-task scaling.
    @inlinable func hit() { if timed { hits.increment() } }
    @inlinable func miss() { if timed { misses.increment() } }

    /// The start of a timed call; `nil` when timers record nothing.
    @usableFromInline func now() -> ContinuousClock.Instant? {
        timed ? ContinuousClock.now : nil
    }

    @usableFromInline func finished(_ operation: CacheOperation, since start: ContinuousClock.Instant?) {
        guard let start, let index = CacheOperation.allCases.firstIndex(of: operation) else { return }
        timers[index].record(duration: start.duration(to: .now))
    }

    /// Counts a failed call; the counter is made on the first error of its
    /// kind (errors are rare; the factory keeps the handle).
    @usableFromInline func failed(_ operation: CacheOperation, _ error: any Error) {
        let kind = (error as? CacheError)?.kind ?? "other"
        Counter(
            label: "swift_caching_operation_errors_total",
            dimensions: [("alias", alias), ("backend", backendKind), ("operation", operation.rawValue), ("kind", kind)],
            factory: factory
        ).increment()
    }

    /// Starts the span of one backend call, or `nil` without a tracer.
    @usableFromInline func startSpan(_ operation: CacheOperation, key: String?) -> (any Span)? {
        guard let tracer else { return nil }
        let span = tracer.startSpan("cache." + operation.rawValue, ofKind: .client)
        span.attributes["cache.alias"] = alias
        span.attributes["cache.backend"] = backendKind
        span.attributes["cache.operation"] = operation.rawValue
        if settings.recordsKeys, let key { span.attributes["cache.key"] = key }
        return span
    }

    /// Ends a span, with the error if the call threw.
    @usableFromInline func endSpan(_ span: (any Span)?, error: (any Error)? = nil, result: String? = nil) {
        guard let span else { return }
        if let result { span.attributes["cache.result"] = result }
        if let error {
            span.attributes["cache.error"] = (error as? CacheError)?.kind ?? "other"
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
        }
        span.end()
    }
}

extension Cache {
    /// Runs one backend call with its timer, error counter and span.
    @inlinable
    nonisolated(nonsending) func observed<T>(
        _ operation: CacheOperation, key: String?, _ body: () async throws -> T
    ) async throws -> T {
        let start = metrics.now()
        let span = metrics.startSpan(operation, key: key)
        do {
            let result = try await body()
            metrics.finished(operation, since: start)
            metrics.endSpan(span)
            return result
        } catch {
            metrics.finished(operation, since: start)
            metrics.failed(operation, error)
            metrics.endSpan(span, error: error)
            throw error
        }
    }

    /// A copy of this cache whose metrics and spans go where `instrumentation`
    /// says (its own metrics factory, its own tracer, keys in spans or not).
    /// Page caches built on the copy report through it too.
    public func instrumented(_ instrumentation: CacheInstrumentation) -> Cache {
        var copy = self
        copy.metrics = CacheOperationMetrics(alias: alias, backend: backend, settings: instrumentation)
        return copy
    }

    /// The metrics factory this cache reports through (page caches built on
    /// it use the same).
    public var metricsFactory: any MetricsFactory { metrics.factory }

    /// The tracer this cache's spans go to, `nil` when tracing is off
    /// (page caches built on it use the same).
    public var tracer: (any Tracer)? { metrics.tracer }

    /// Whether spans may carry keys (``CacheInstrumentation/recordsKeys``).
    public var tracesKeys: Bool { metrics.settings.recordsKeys }
}

extension CacheError {
    /// The error's kind as a metric label and span attribute: a small closed
    /// set (`timeout`, `refused`, `connect_failed`, `auth`, `database_missing`,
    /// `connection_lost`, `storage_unavailable`, `circuit_open`, `backend`,
    /// `invalid_key`, `type_mismatch`, `undecodable`, `unencodable`,
    /// `too_large`, `not_found`, `not_integer`, `overflow`), so that a
    /// dashboard can tell an outage from a bug without parsing messages.
    public var kind: String {
        switch self {
        case .keyNotFound: return "not_found"
        case .notAnInteger: return "not_integer"
        case .integerOverflow: return "overflow"
        case .typeMismatch: return "type_mismatch"
        case .undecodableValue: return "undecodable"
        case .unencodableValue: return "unencodable"
        case .invalidKey: return "invalid_key"
        case .valueTooLarge: return "too_large"
        case .backendFailure: return "backend"
        case .timeout: return "timeout"
        case .unavailable(_, let reason, _):
            switch reason {
            case .connectionRefused: return "refused"
            case .connectFailed: return "connect_failed"
            case .authenticationFailed: return "auth"
            case .databaseMissing: return "database_missing"
            case .connectionLost: return "connection_lost"
            case .storageUnavailable: return "storage_unavailable"
            case .circuitOpen: return "circuit_open"
            case .shutDown: return "shut_down"
            }
        }
    }
}
