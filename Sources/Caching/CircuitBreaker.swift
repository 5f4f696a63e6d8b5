import Logging
import Metrics
import Synchronization

/// The circuit breaker of one server: the one implementation every network
/// backend uses (see ``CircuitBreakerSettings`` for the rule).
///
/// Callers ask ``admit()`` before touching the network and report the outcome
/// with ``succeeded()`` or ``failed(_:)``. Only one probe is in flight at a
/// time; a probe whose caller never reports (it was cancelled) is given up
/// after `probeTimeout`, so the breaker cannot stay half-open for ever.
///
/// Logging: one line when the circuit opens, one when it closes, and while the
/// server is failing one summary line per second with the counts — never one
/// line per call. Metrics (swift-metrics, labels `alias`, `backend`, `server`):
/// `swift_caching_backend_breaker_state` (gauge: 0 closed, 1 half-open, 2 open),
/// `swift_caching_backend_failures_total` (calls that failed on the server) and
/// `swift_caching_backend_rejected_total` (calls failed at once by the breaker).
package final class CircuitBreaker: Sendable {
    /// Where the breaker stands.
    package enum State: Int, Sendable {
        /// Calls go through.
        case closed = 0
        /// One probe call is in flight; the others fail at once.
        case halfOpen = 1
        /// Calls fail at once until the cool-down ends.
        case open = 2
    }

    /// What a caller may do.
    package enum Admission: Sendable, Equatable {
        /// Go ahead.
        case allowed
        /// Go ahead: this call is the probe that decides whether the circuit closes.
        case probe
        /// Fail at once: the circuit is open. `retryIn` is the rest of the
        /// cool-down, `lastError` the failure that keeps it open.
        case rejected(retryIn: Duration, lastError: String)
    }

    private struct Inner {
        var state = State.closed
        var consecutiveFailures = 0
        /// Openings since the last success: the backoff exponent.
        var openings = 0
        var openUntil = ContinuousClock.now
        var openedAt = ContinuousClock.now
        var probeStarted: ContinuousClock.Instant?
        var lastError = ""
        var failedSinceSummary = 0
        var rejectedSinceSummary = 0
        var droppedSinceSummary = 0
        var lastSummary: ContinuousClock.Instant?
        /// Whether the first dropped write of this outage was logged.
        var droppingLogged = false
    }

    /// The server, as it appears in logs and metrics.
    package let server: String
    /// The backend's name (`redis`, `memcached`, `postgres`, `sqlite`).
    package let backend: String
    private let settings: CircuitBreakerSettings
    private let probeTimeout: Duration
    private let logger: Logger
    private let inner = CacheLock(Inner())
    /// `true` while closed with no recent failure: the hot path reads only this.
    private let healthy = Atomic<Bool>(true)
    private let stateGauge: Gauge
    /// The metric dimensions of this server (`alias`, `backend`, `server`),
    /// shared with its pool's metrics.
    package let dimensions: [(String, String)]
    /// The factory this server's metrics are made by.
    package let metricsFactory: any MetricsFactory
    private let failures: Counter
    private let rejections: Counter

    /// How often a failing server's summary line is logged.
    package static let summaryInterval: Duration = .seconds(1)

    /// A closed breaker for `server`. `probeTimeout` should exceed the longest
    /// call (the backend's timeout). `metrics` is the bootstrapped
    /// `MetricsSystem` unless a test passes its own factory.
    package init(backend: String, server: String, settings: CircuitBreakerSettings, probeTimeout: Duration, logger: Logger,
                 metrics: any MetricsFactory = MetricsSystem.factory) {
        self.backend = backend
        self.server = server
        self.settings = settings
        self.probeTimeout = probeTimeout
        var logger = logger
        logger[metadataKey: "cache.server"] = .string(server)
        self.logger = logger
        let dimensions = [("alias", settings.alias), ("backend", backend), ("server", server)]
        self.dimensions = dimensions
        metricsFactory = metrics
        stateGauge = Gauge(label: "swift_caching_backend_breaker_state", dimensions: dimensions, factory: metrics)
        failures = Counter(label: "swift_caching_backend_failures_total", dimensions: dimensions, factory: metrics)
        rejections = Counter(label: "swift_caching_backend_rejected_total", dimensions: dimensions, factory: metrics)
        stateGauge.record(State.closed.rawValue)
    }

    /// The current state.
    package var state: State { inner.withLock { $0.state } }

    /// Whether a call may go to the server now.
    package func admit() -> Admission {
        if healthy.load(ordering: .relaxed) || settings.failureThreshold <= 0 { return .allowed }
        let now = ContinuousClock.now
        let (admission, summary) = inner.withLock { inner -> (Admission, String?) in
            switch inner.state {
            case .closed:
                return (.allowed, nil)
            case .open where now >= inner.openUntil:
                inner.state = .halfOpen
                inner.probeStarted = now
                return (.probe, nil)
            case .halfOpen where inner.probeStarted.map { now - $0 > probeTimeout } ?? true:
                inner.probeStarted = now
                return (.probe, nil)
            case .open, .halfOpen:
                inner.rejectedSinceSummary += 1
                let admission = Admission.rejected(retryIn: max(.zero, inner.openUntil - now), lastError: inner.lastError)
                return (admission, summaryIfDue(&inner, now: now))
            }
        }
        switch admission {
        case .probe: stateGauge.record(State.halfOpen.rawValue)
        case .rejected: rejections.increment()
        case .allowed: break
        }
        if let summary { logger.warning("\(summary)") }
        return admission
    }

    /// Reports a call that reached the server and got an answer.
    package func succeeded() {
        if healthy.load(ordering: .relaxed) { return }
        let now = ContinuousClock.now
        let recovered = inner.withLock { inner -> Duration? in
            let wasOpen = inner.state != .closed
            inner.state = .closed
            inner.consecutiveFailures = 0
            inner.openings = 0
            inner.probeStarted = nil
            inner.failedSinceSummary = 0
            inner.rejectedSinceSummary = 0
            inner.droppedSinceSummary = 0
            inner.droppingLogged = false
            healthy.store(true, ordering: .relaxed)
            return wasOpen ? now - inner.openedAt : nil
        }
        guard let recovered else { return }
        stateGauge.record(State.closed.rawValue)
        logger.info("\(backend) server \(server) is reachable again; circuit closed after \(Self.seconds(recovered)) s")
    }

    /// Reports a call that failed because the server could not be used.
    ///
    /// `timedOut` says the call waited out its whole timeout. Such a failure
    /// opens the circuit at once, whatever the threshold: a server that did
    /// not answer within the timeout is hung or overloaded, and a second call
    /// (the page cache's store after its lookup, a `getOrSet`'s write) would
    /// wait as long again, so one request would take twice its bound. Refusals
    /// and lost connections cost nothing to find out, so they keep counting up
    /// to the threshold.
    package func failed(_ error: String, timedOut: Bool = false) {
        failures.increment()
        guard settings.failureThreshold > 0 else { return }
        let now = ContinuousClock.now
        let (opened, reopened, summary) = inner.withLock { inner -> (Duration?, Bool, String?) in
            healthy.store(false, ordering: .relaxed)
            inner.lastError = error
            inner.failedSinceSummary += 1
            inner.consecutiveFailures += 1
            if timedOut { inner.consecutiveFailures = max(inner.consecutiveFailures, settings.failureThreshold) }
            switch inner.state {
            case .closed where inner.consecutiveFailures >= settings.failureThreshold:
                let coolDown = nextCoolDown(&inner)
                inner.state = .open
                inner.openedAt = now
                inner.openUntil = now + coolDown
                inner.failedSinceSummary = 0
                inner.lastSummary = now
                return (coolDown, false, nil)
            case .halfOpen:
                inner.state = .open
                inner.probeStarted = nil
                inner.openUntil = now + nextCoolDown(&inner)
                return (nil, true, summaryIfDue(&inner, now: now))
            case .closed, .open:
                return (nil, false, summaryIfDue(&inner, now: now))
            }
        }
        // A failed probe reopens the circuit: the gauge leaves half-open.
        if reopened { stateGauge.record(State.open.rawValue) }
        if let opened {
            stateGauge.record(State.open.rawValue)
            logger.warning("""
                \(backend) server \(server) is unavailable after \(timedOut ? "a call that timed out" : "\(settings.failureThreshold) failures in a row") \
                (\(error)); its calls fail at once for \(Self.seconds(opened)) s, then one call probes it
                """)
        } else if let summary {
            logger.warning("\(summary)")
        }
    }

    /// Counts a write dropped in the `miss` failure mode: the first of an
    /// outage is logged at once (the cache has started losing writes), the
    /// others go into the summary line.
    package func droppedWrite() {
        let now = ContinuousClock.now
        let (first, summary) = inner.withLock { inner -> (Bool, String?) in
            if !inner.droppingLogged {
                inner.droppingLogged = true
                return (true, nil)
            }
            inner.droppedSinceSummary += 1
            return (false, summaryIfDue(&inner, now: now))
        }
        if first {
            logger.warning("\(backend) server \(server) is unavailable; writes to it are dropped (failure mode miss) until it is back")
        } else if let summary {
            logger.warning("\(summary)")
        }
    }

    /// The next cool-down: doubled per opening since the last success, capped,
    /// made up to 20 % shorter at random (never longer, so the cap is also
    /// the longest a recovered server waits for its probe).
    private func nextCoolDown(_ inner: inout Inner) -> Duration {
        let base = settings.coolDown * (1 << min(inner.openings, 20))
        inner.openings += 1
        let capped = min(base, max(settings.maxCoolDown, settings.coolDown))
        return capped * Double.random(in: 0.8...1.0)
    }

    /// The summary line, at most one per ``summaryInterval``.
    private func summaryIfDue(_ inner: inout Inner, now: ContinuousClock.Instant) -> String? {
        if let last = inner.lastSummary, now - last < Self.summaryInterval { return nil }
        let failed = inner.failedSinceSummary, rejected = inner.rejectedSinceSummary, dropped = inner.droppedSinceSummary
        guard failed + rejected + dropped > 0 else { return nil }
        let window = inner.lastSummary.map { Self.seconds(now - $0) + " s" } ?? "the last interval"
        inner.lastSummary = now
        inner.failedSinceSummary = 0
        inner.rejectedSinceSummary = 0
        inner.droppedSinceSummary = 0
        func count(_ number: Int, _ noun: String) -> String { number == 1 ? "1 \(noun)" : "\(number) \(noun)s" }
        var parts = ["\(count(failed, "call")) failed"]
        if rejected > 0 { parts.append("\(count(rejected, "call")) failed at once (circuit open)") }
        if dropped > 0 { parts.append("\(count(dropped, "write")) dropped") }
        return "\(backend) server \(server) still unavailable: \(parts.joined(separator: ", ")) in \(window); last error: \(inner.lastError)"
    }

    /// Seconds with at most three decimals, for messages.
    package static func seconds(_ duration: Duration) -> String {
        let value = (duration / .milliseconds(1)).rounded() / 1000
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}
