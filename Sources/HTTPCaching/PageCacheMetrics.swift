import Caching
import Metrics
import Tracing

/// What a page cache did with one request: the `outcome` label of
/// `swift_caching_page_requests_total` and the `cache.outcome` span attribute.
/// The same set for both modes, so a dashboard reads either.
public enum PageCacheOutcome: String, Sendable, CaseIterable {
    /// Answered from the cache, fresh: from the backend, the hot tier or the
    /// connection-level hot path.
    case hit
    /// Not in the cache (or not usable): the handler or origin answered and
    /// the response was stored (or its store failed; see the cache's error counters).
    case miss
    /// Answered with a stale stored response (shared mode:
    /// `stale-while-revalidate`, `stale-if-error`, a request's `max-stale`).
    case stale
    /// A stored response validated with the origin, which answered 304
    /// (shared mode; background revalidations count too).
    case revalidated
    /// The handler or origin answered and the response may not be stored;
    /// `swift_caching_page_uncacheable_total` says why.
    case uncacheable
    /// A request the cache does not consider (Django mode: not GET or HEAD;
    /// shared mode: unsafe and other methods, which are forwarded).
    case bypassed
}

/// Why a response was not stored: the `reason` label of
/// `swift_caching_page_uncacheable_total`, a closed set (never free text, so
/// the number of series stays bounded).
public enum PageCacheUncacheableReason: String, Sendable, CaseIterable {
    /// The status may not be stored (Django: not 200; shared mode: RFC 9111
    /// §3, such as 206 or 304, or a must-understand status it does not know).
    case status
    /// A streamed or over-size body.
    case streaming
    /// `Set-Cookie` with `Vary: Cookie` (Django mode).
    case setCookie = "set_cookie"
    /// `Cache-Control: private`.
    case `private`
    /// `Cache-Control: no-cache` (Django mode).
    case noCache = "no_cache"
    /// `Cache-Control: no-store` on the response or the request.
    case noStore = "no_store"
    /// `Vary: *`.
    case varyStar = "vary_star"
    /// `max-age=0` or a zero page timeout (Django mode).
    case zeroLifetime = "zero_lifetime"
    /// A request with `Authorization` and a response that does not allow
    /// shared caching of it (shared mode).
    case authorization
    /// No explicit or heuristic freshness (shared mode).
    case noFreshness = "no_freshness"
}

/// The page-cache outcome counters of one page cache, made once, and the
/// span of the decision in flight.
///
/// Why one type for both modes: the rules for what counts as a hit live here
/// once; ``PageCache``, ``SharedHTTPCache`` and their hot-path answers (which
/// the framework adapters call) only report outcomes.
///
/// Metrics, on the cache's metrics factory (``Caching/Cache/metricsFactory``):
/// - `swift_caching_page_requests_total{alias, mode, outcome}` (``PageCacheOutcome``);
/// - `swift_caching_page_uncacheable_total{alias, mode, reason}` (``PageCacheUncacheableReason``).
///
/// Recording a hot-path hit is one atomic add on a handle made here, so hits
/// at the connection stay lock- and allocation-free (with a backend whose
/// counters are atomics, as swift-prometheus's are).
final class PageCacheMetrics: Sendable {
    let alias: String
    let mode: String
    let backend: String
    /// Whether the cache has a tracer: without one no task-local is read.
    private let traced: Bool
    private let hits: Counter
    private let misses: Counter
    private let stales: Counter
    private let revalidations: Counter
    private let uncacheables: Counter
    private let bypasses: Counter
    private let reasons: [Counter]

    init(cache: Cache, mode: String) {
        let factory = cache.metricsFactory
        alias = cache.alias
        self.mode = mode
        backend = String(cache.backend.name.prefix { $0 != "(" })
        traced = cache.tracer != nil
        func outcome(_ outcome: PageCacheOutcome) -> Counter {
            Counter(
                label: "swift_caching_page_requests_total",
                dimensions: [("alias", cache.alias), ("mode", mode), ("outcome", outcome.rawValue)], factory: factory)
        }
        hits = outcome(.hit)
        misses = outcome(.miss)
        stales = outcome(.stale)
        revalidations = outcome(.revalidated)
        uncacheables = outcome(.uncacheable)
        bypasses = outcome(.bypassed)
        reasons = PageCacheUncacheableReason.allCases.map { reason in
            Counter(
                label: "swift_caching_page_uncacheable_total",
                dimensions: [("alias", cache.alias), ("mode", mode), ("reason", reason.rawValue)], factory: factory)
        }
    }

    /// Counts a hit answered at the connection: one atomic add, no span.
    @inline(__always) func hotHit() {
        hits.increment()
    }

    /// Counts one request's outcome and notes it on the decision's span.
    func record(_ outcome: PageCacheOutcome, reason: PageCacheUncacheableReason? = nil) {
        switch outcome {
        case .hit: hits.increment()
        case .miss: misses.increment()
        case .stale: stales.increment()
        case .revalidated: revalidations.increment()
        case .uncacheable: uncacheables.increment()
        case .bypassed: bypasses.increment()
        }
        if let reason, let index = PageCacheUncacheableReason.allCases.firstIndex(of: reason) {
            reasons[index].increment()
        }
        guard traced, let span = PageCacheDecisionSpan.current else { return }
        span.attributes["cache.outcome"] = outcome.rawValue
        span.attributes["cache.hit"] = outcome == .hit || outcome == .stale || outcome == .revalidated
        if let reason { span.attributes["cache.uncacheable_reason"] = reason.rawValue }
    }

    /// Runs `body` inside the decision's span (`page_cache.request`, with
    /// `cache.alias`, `cache.backend`, `cache.mode`, and the outcome once
    /// recorded); without a tracer, just runs it. The backend calls made
    /// inside are its children.
    func decision<T>(
        _ tracer: (any Tracer)?, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async rethrows -> T {
        guard let tracer, PageCacheDecisionSpan.current == nil else { return try await body() }
        let span = tracer.startSpan("page_cache.request", ofKind: .internal)
        span.attributes["cache.alias"] = alias
        span.attributes["cache.backend"] = backend
        span.attributes["cache.mode"] = mode
        defer { span.end() }
        return try await ServiceContext.$current.withValue(span.context) {
            try await PageCacheDecisionSpan.$current.withValue(span) { try await body() }
        }
    }
}

/// The span of the page-cache decision in flight, so the step that decides
/// (fetch, update, a shared-mode branch) can note the outcome on it.
enum PageCacheDecisionSpan {
    @TaskLocal static var current: (any Span)?
}
