import Caching
import HTTPTypes
import Logging
import NIOCore

/// A response as the page cache sees it: a head and either the whole body or
/// the adapter's own streaming body, which is passed through and never cached.
public struct PageResponse<Stream: Sendable>: Sendable {
    /// A body: bytes the cache may store, or a stream it only passes on.
    public enum Body: Sendable {
        /// The whole body.
        case bytes([UInt8])
        /// A streaming (or over-size) body, never stored.
        case streamed(Stream)
    }

    /// Status and header fields.
    public var head: HTTPResponse
    /// The body.
    public var body: Body

    /// Wraps a head and a body.
    public init(head: HTTPResponse, body: Body) {
        self.head = head
        self.body = body
    }
}

/// Settings of the page cache (Django's `CACHE_MIDDLEWARE_*` and `cache_page`).
public struct PageCacheConfiguration: Sendable {
    /// The default lifetime when a response has no `max-age`
    /// (`CACHE_MIDDLEWARE_SECONDS`, 600).
    public var defaultTimeout: Int
    /// `cache_page`'s timeout: wins over `max-age` for the stored lifetime.
    public var pageTimeout: Int?
    /// Key prefix and suffix.
    public var key: PageCacheKey
    /// Adds `X-Cache: HIT|MISS` and `X-Cache-Key` to responses (off by default:
    /// the key reveals the URL hash scheme).
    public var debugHeaders: Bool
    /// Concurrent misses for one URL run the handler once; the others wait and
    /// are answered from what it stored. Django does not do this.
    public var stampedeProtection: Bool
    /// Where handlers declare their page's tags, and whether that field
    /// leaves (``CacheTagHeader``): pages are stored with the tags, so
    /// `Cache.invalidate(tags:)` drops them. Django has no tags.
    public var tagHeader: CacheTagHeader

    /// Creates settings; the defaults are Django's.
    public init(
        defaultTimeout: Int = HTTPCacheHeaders.defaultTimeout, pageTimeout: Int? = nil, key: PageCacheKey = PageCacheKey(),
        debugHeaders: Bool = false, stampedeProtection: Bool = true, tagHeader: CacheTagHeader = CacheTagHeader()
    ) {
        self.defaultTimeout = defaultTimeout
        self.pageTimeout = pageTimeout
        self.key = key
        self.debugHeaders = debugHeaders
        self.stampedeProtection = stampedeProtection
        self.tagHeader = tagHeader
    }
}

/// Django's page cache, framework-free: the fetch step
/// (`FetchFromCacheMiddleware`), the update step (`UpdateCacheMiddleware`) and
/// both in one (`CacheMiddleware`, what `cache_page` is built on).
///
/// The two steps are separate so that an adapter can place other middleware
/// between them exactly as Django's `MIDDLEWARE` list does — update first,
/// fetch last — and a hit then travels out through that middleware (a
/// ``ConditionalGet`` step turns it into a 304 or a 412). The fetch step tells
/// the update step what it decided through a ``PageCacheTicket``.
///
/// GET and HEAD requests are looked up by the key learned from the URL's last
/// `Vary`; a hit is served with `Age`; a miss runs the handler and its response
/// is stored when Django would (200, not streaming, not private/no-cache/no-store,
/// not `Vary: *`, no cookies with `Vary: Cookie`), after patching `Expires` and
/// `max-age`. HEAD is answered from a stored GET (or a stored HEAD), with the
/// GET body's `Content-Length` and no body.
///
/// A failing backend never fails a request: lookups become misses and stores are
/// skipped, both logged.
public struct PageCache: Sendable {
    /// Where pages are kept.
    public let cache: Cache
    /// The settings.
    public let configuration: PageCacheConfiguration
    /// Wall-clock time, for `Expires` and `Age`.
    public let clock: CacheClock
    /// The in-process memory tier in front of ``cache`` (filled on store and
    /// on hit), which hits served at the connection are answered from; `nil`:
    /// none.
    public let hotStore: HotResponseStore?
    let logger: Logger
    let flights: SingleFlight<Bool>
    let metrics: PageCacheMetrics

    /// The debug header fields.
    public static let xCache = HTTPField.Name("X-Cache") ?? .via
    /// The debug key header field.
    public static let xCacheKey = HTTPField.Name("X-Cache-Key") ?? .via

    /// A page cache on `cache`.
    public init(
        cache: Cache, configuration: PageCacheConfiguration = PageCacheConfiguration(), clock: CacheClock = .wall,
        hotStore: HotResponseStore? = nil, logger: Logger = Logger(label: "swift-caching.page")
    ) {
        self.cache = cache
        self.configuration = configuration
        self.clock = clock
        self.hotStore = hotStore
        self.logger = logger
        self.flights = SingleFlight()
        self.metrics = PageCacheMetrics(cache: cache, mode: "django")
    }

    /// Django's `CacheMiddleware`: the update step around the fetch step around
    /// `handler`. Answers from the cache, or runs `handler` and stores what it
    /// returns.
    public func respond<Stream: Sendable>(
        to request: HTTPRequest, handler: () async throws -> PageResponse<Stream>
    ) async throws -> PageResponse<Stream> {
        let adapter = PageResponseAdapter<Stream>()
        return try await update(request, adapter: adapter) {
            try await fetch(request, adapter: adapter, next: handler)
        }
    }

    // MARK: Fetch (FetchFromCacheMiddleware)

    /// Django's `FetchFromCacheMiddleware`: a GET or HEAD found in the cache is
    /// answered from it (with `Age`) and `next` is not called; otherwise `next`
    /// runs and, on a miss, the enclosing update step is asked to store its
    /// response. Concurrent GET misses for one URL run `next` once when
    /// ``PageCacheConfiguration/stampedeProtection`` is on; the others wait and
    /// are answered from what it stored.
    public func fetch<Adapter: PageCacheAdapter>(
        _ request: HTTPRequest, adapter: Adapter, next: () async throws -> Adapter.Response
    ) async throws -> Adapter.Response {
        try await metrics.decision(cache.tracer) {
            try await fetchInSpan(request, adapter: adapter, next: next)
        }
    }

    private func fetchInSpan<Adapter: PageCacheAdapter>(
        _ request: HTTPRequest, adapter: Adapter, next: () async throws -> Adapter.Response
    ) async throws -> Adapter.Response {
        let request = HEADThroughGET.effective(request)
        let ticket = PageCacheTicket.current
        guard request.method == .get || request.method == .head else {
            ticket?.markSkip()
            metrics.record(.bypassed)
            return try await next()
        }
        let urlHash = PageCacheKey.urlHash(request)
        if let hit = await lookup(request, urlHash: urlHash) {
            ticket?.markSkip()
            metrics.record(.hit)
            return adapter.response(from: PageResponse(head: hit.head, body: .bytes(hit.body)))
        }
        if configuration.stampedeProtection, request.method == .get, let ticket {
            let key = configuration.key.headerListKey(request, urlHash: urlHash)
            switch await flights.join(key) {
            case .leads:
                ticket.lead(flights, key: key)
            case .waited:
                if let hit = await lookup(request, urlHash: urlHash) {
                    ticket.markSkip()
                    metrics.record(.hit)
                    return adapter.response(from: PageResponse(head: hit.head, body: .bytes(hit.body)))
                }
            }
        }
        // Without an update step nothing will be stored: a plain miss.
        if let ticket { ticket.markUpdate() } else { metrics.record(.miss) }
        return try await next()
    }

    /// The stored response for a GET or HEAD request, with `Age`; `nil` on a miss.
    public func lookup(_ request: HTTPRequest) async -> (head: HTTPResponse, body: [UInt8])? {
        await lookup(request, urlHash: PageCacheKey.urlHash(request))
    }

    func lookup(_ request: HTTPRequest, urlHash: String) async -> (head: HTTPResponse, body: [UInt8])? {
        if case let (key, page)? = hotPage(request, urlHash: urlHash) {
            let head = hitHead(page.head, maxAge: page.maxAge, expires: page.expires, key: key, bodyCount: page.body.readableBytes)
            return (head, request.method == .head ? [] : Array(page.body.readableBytesView))
        }
        // Taken before the backend read: an invalidation after it makes the
        // hot copy of a tagged page stale.
        let generation = CacheTagGeneration.current
        do {
            let listKey = configuration.key.headerListKey(request, urlHash: urlHash)
            guard let headerList = try await cache.get(listKey, as: [String].self) else {
                return nil
            }
            var key = configuration.key.pageKey(request, method: .get, headerList: headerList, urlHash: urlHash)
            var page = try await cache.get(key, as: CachedPage.self)
            if let page {
                remember(headerList, at: listKey, page: page, at: key, generation: generation)
            } else if request.method == .head {
                key = configuration.key.pageKey(request, method: .head, headerList: headerList, urlHash: urlHash)
                page = try await cache.get(key, as: CachedPage.self)
            }
            guard let page else { return nil }
            let stored = page.response
            let head = hitHead(stored.response, maxAge: page.maxAge, expires: page.expires, key: key, bodyCount: stored.body.count)
            return (head, request.method == .head ? [] : stored.body)
        } catch {
            logger.error("page cache: lookup failed, serving uncached: \(error)")
            return nil
        }
    }

    /// A stored page's head as a hit answers with it: `Age` from the stored
    /// `max-age` and `Expires`, the debug fields, and the body's length (for
    /// GET and HEAD alike, RFC 9110 §8.6). One home for the backend and the
    /// hot-tier hits.
    func hitHead(_ stored: HTTPResponse, maxAge: Int?, expires: Double?, key: String, bodyCount: Int) -> HTTPResponse {
        var head = stored
        if let maxAge, let expires {
            let age = max(0, Double(maxAge) - (expires - clock.now().rounded(.down)))
            head.headerFields[.age] = String(CacheDirectives.headerSeconds(age))
        }
        if configuration.debugHeaders {
            head.headerFields[Self.xCache] = "HIT"
            head.headerFields[Self.xCacheKey] = key
        }
        head.headerFields[.contentLength] = String(bodyCount)
        return head
    }

    // MARK: Hot tier

    /// The GET page for `request` from the hot tier, with its key. Only the
    /// GET page is looked up: a stored HEAD is answered only when no GET is
    /// stored, which only the backend can tell.
    func hotPage(_ request: HTTPRequest, urlHash: String) -> (key: String, page: HotPage)? {
        guard let hotStore,
              case .headerList(let headerList)? = hotStore.value(configuration.key.headerListKey(request, urlHash: urlHash))
        else { return nil }
        let key = configuration.key.pageKey(request, method: .get, headerList: headerList, urlHash: urlHash)
        guard case .page(let page)? = hotStore.value(key) else { return nil }
        return (key, page)
    }

    /// Copies a GET page read from (or written to) the backend into the hot
    /// tier, for no longer than it lives there.
    /// A tagged page's copy is dropped once one of its tags is invalidated;
    /// `generation` (`CacheTagGeneration.current`) was read before the page was.
    private func remember(_ headerList: [String], at listKey: String, page: CachedPage, at key: String, generation: UInt64) {
        guard let hotStore, hotStore.isEnabled, let until = page.until else { return }
        let lifetime = until - clock.now()
        // The head a hit answers with, but for `Age`: hitHead's fields that do
        // not change between hits are set once here.
        let head = hitHead(page.response.response, maxAge: nil, expires: nil, key: key, bodyCount: page.response.body.count)
        var etagged = head.headerFields
        if ConditionalGet.wantsETag(head) { HTTPCacheHeaders.setETag(&etagged, body: page.response.body) }
        let hot = HotPage(
            head: head, body: ByteBuffer(bytes: page.response.body), maxAge: page.maxAge, expires: page.expires,
            conditionalETag: etagged[.eTag] == head.headerFields[.eTag] ? nil : etagged[.eTag], id: HotAnswerKey.nextVariant())
        hotStore.set(listKey, .headerList(headerList), lifetime: lifetime)
        hotStore.set(key, .page(hot), lifetime: lifetime, tags: page.tags ?? [], generation: generation)
    }

    /// The answer to `request` from the hot tier alone, exactly as the fetch
    /// step — and, with `conditionalGet`, the ``ConditionalGet`` step around
    /// it, as ``PageCache`` places them in Django's order — would give it:
    /// `nil` unless the request is a GET or HEAD whose page is in the hot tier.
    /// Serves hits at the connection, below the web framework's router.
    public func hotAnswer(_ request: HTTPRequest, conditionalGet: Bool) -> HotAnswer? {
        switch hotAnswer(request, conditionalGet: conditionalGet, unlessSameAs: nil) {
        case .answer(let answer, _)?: return answer
        case .unchanged?, nil: return nil
        }
    }

    /// ``hotAnswer(_:conditionalGet:)`` for a connection that keeps its last
    /// answer: `.unchanged` when the answer would be the one `previous`
    /// stands for (same hot copy of the page, same `Age`, same method, no
    /// precondition fields), so the caller writes that again; otherwise the
    /// new answer and its key. The hit is checked and counted either way.
    public func hotAnswer(_ request: HTTPRequest, conditionalGet: Bool, unlessSameAs previous: HotAnswerKey?) -> HotAnswerLookup? {
        guard request.method == .get || request.method == .head else { return nil }
        guard case let (_, page)? = hotPage(request, urlHash: PageCacheKey.urlHash(request)) else { return nil }
        var age: Int?
        if let maxAge = page.maxAge, let expires = page.expires {
            age = CacheDirectives.headerSeconds(max(0, Double(maxAge) - (expires - clock.now().rounded(.down))))
        }
        metrics.hotHit()
        // With no precondition field the answer depends on nothing else in
        // the request (``ConditionalRequest``); one with them is answered by
        // the rules each time.
        var key: HotAnswerKey?
        if !ConditionalRequest.hasPreconditions(request) {
            key = HotAnswerKey(variant: page.id, age: age ?? -1, ttl: 0, isHead: request.method == .head)
            if key == previous { return .unchanged }
        }
        // page.head already has the hit's debug fields and Content-Length
        // (see remember): only Age changes from one hit to the next.
        var head = page.head
        if let age { head.headerFields[.age] = String(age) }
        guard request.method == .get else { return .answer(HotAnswer(head: head, body: nil), key: key) }
        if conditionalGet {
            if let etag = page.conditionalETag { head.headerFields[.eTag] = etag }
            if let answer = ConditionalRequest.answer(request, to: head) { return .answer(HotAnswer(head: answer, body: nil), key: key) }
        }
        return .answer(HotAnswer(head: head, body: page.body), key: key)
    }

    /// Empties the cache pages are kept in and the hot tier in front of it.
    public func clear() async throws {
        hotStore?.removeAll()
        try await cache.clear()
    }

    // MARK: Update (UpdateCacheMiddleware)

    /// Django's `UpdateCacheMiddleware`: runs `next` — the middleware placed
    /// inside it and, innermost, a fetch step — then stores the response if
    /// that fetch step missed and Django's rules allow it, patching `Expires`
    /// and `max-age` first. Requests no fetch step saw (or that it served) pass
    /// untouched.
    public func update<Adapter: PageCacheAdapter>(
        _ request: HTTPRequest, adapter: Adapter, next: () async throws -> Adapter.Response
    ) async throws -> Adapter.Response {
        try await metrics.decision(cache.tracer) {
            let ticket = PageCacheTicket()
            var stored = false
            defer { ticket.endFlight(stored: stored) }
            let response = try await PageCacheTicket.$current.withValue(ticket) { try await next() }
            guard ticket.wantsUpdate else { return response }
            var page = try await adapter.page(from: response)
            stored = await update(HEADThroughGET.effective(request), response: &page)
            return adapter.response(from: page)
        }
    }

    /// Patches and stores one response; returns whether it was stored.
    /// Records the request's outcome: a miss, or uncacheable and why.
    func update<Stream: Sendable>(_ request: HTTPRequest, response: inout PageResponse<Stream>) async -> Bool {
        let streaming: Bool
        if case .streamed = response.body { streaming = true } else { streaming = false }
        let tags = configuration.tagHeader.take(from: &response.head.headerFields)
        let decision = storability(&response.head, for: request, streaming: streaming)
        var key: String?
        switch decision {
        case .skip(let reason):
            metrics.record(.uncacheable, reason: reason)
        case .store(let timeout) where timeout <= 0:
            metrics.record(.uncacheable, reason: .zeroLifetime)
        case .store where response.head.status.code != 200:
            metrics.record(.uncacheable, reason: .status)
        case .store(let timeout):
            guard case .bytes(let body) = response.body else {
                metrics.record(.uncacheable, reason: .streaming)
                break
            }
            metrics.record(.miss)
            key = await store(
                response.head, body: body, for: request, urlHash: PageCacheKey.urlHash(request), timeout: timeout, tags: tags)
        }
        if configuration.debugHeaders {
            response.head.headerFields[Self.xCache] = "MISS"
            if let key { response.head.headerFields[Self.xCacheKey] = key }
        }
        return key != nil
    }

    /// Django's `process_response` checks and header patches. Returns the
    /// timeout to store the response with, or `nil` when it must not be stored
    /// (the headers are then untouched).
    public func prepare(_ head: inout HTTPResponse, for request: HTTPRequest, streaming: Bool) -> Int? {
        if case .store(let timeout) = storability(&head, for: request, streaming: streaming) { return timeout }
        return nil
    }

    /// What ``prepare(_:for:streaming:)`` decides, with the reason when the
    /// response must not be stored (one home for the rules and the reasons).
    enum Storability {
        case store(timeout: Int)
        case skip(PageCacheUncacheableReason)
    }

    func storability(_ head: inout HTTPResponse, for request: HTTPRequest, streaming: Bool) -> Storability {
        let code = head.status.code
        if streaming { return .skip(.streaming) }
        guard code == 200 || code == 304 else { return .skip(.status) }
        let fields = head.headerFields
        if fields[.setCookie] != nil, HTTPCacheHeaders.hasVaryHeader(fields, "Cookie") { return .skip(.setCookie) }
        let directives = CacheControlHeader(parsing: fields[.cacheControl])
        if directives.contains("private") { return .skip(.private) }
        if directives.contains("no-cache") { return .skip(.noCache) }
        if directives.contains("no-store") { return .skip(.noStore) }
        if HTTPCacheHeaders.varyNames(fields).contains("*") { return .skip(.varyStar) }
        let timeout: Int
        if let pageTimeout = configuration.pageTimeout {
            timeout = pageTimeout
        } else if let maxAge = directives.maxAge {
            if maxAge == 0 { return .skip(.zeroLifetime) }
            timeout = maxAge
        } else {
            timeout = configuration.defaultTimeout
        }
        HTTPCacheHeaders.patchResponseHeaders(&head.headerFields, timeout: timeout, now: clock.now())
        if let authorization = request.headerFields[.authorization], !authorization.isEmpty,
           !CacheControlHeader(parsing: head.headerFields[.cacheControl]).contains("public") {
            HTTPCacheHeaders.patchVaryHeaders(&head.headerFields, ["Authorization"])
        }
        return .store(timeout: timeout)
    }

    /// Learns the key and stores the page; returns the key, `nil` on failure.
    private func store(
        _ head: HTTPResponse, body: [UInt8], for request: HTTPRequest, urlHash: String, timeout: Int, tags: [String]
    ) async -> String? {
        let headerList = configuration.key.headerList(vary: head.headerFields)
        let key = configuration.key.pageKey(request, method: request.method, headerList: headerList, urlHash: urlHash)
        do {
            try await cache.set(configuration.key.headerListKey(request, urlHash: urlHash), headerList, timeout: .seconds(Double(timeout)))
            let page = CachedPage(
                response: StoredHTTPResponse(response: head, body: body, varyValues: [:], requestTime: 0, responseTime: 0),
                maxAge: HTTPCacheHeaders.maxAge(head.headerFields),
                expires: head.headerFields[.expires].flatMap { HTTPDate.parse($0) },
                until: clock.now() + Double(timeout),
                tags: tags.isEmpty ? nil : tags)
            let generation = CacheTagGeneration.current
            try await cache.set(key, page, timeout: .seconds(Double(timeout)), tags: tags)
            if request.method == .get {
                remember(
                    headerList, at: configuration.key.headerListKey(request, urlHash: urlHash), page: page, at: key,
                    generation: generation)
            } else {
                // A HEAD page is never served from the hot tier; a GET page
                // there stays valid (the backend still holds it).
                hotStore?.remove(configuration.key.headerListKey(request, urlHash: urlHash))
            }
            return key
        } catch {
            logger.error("page cache: store failed, response served uncached: \(error)")
            return nil
        }
    }
}

/// A stored page with the two numbers its `Age` is computed from, parsed once
/// when it is stored rather than on every hit.
struct CachedPage: Codable, Sendable {
    var response: StoredHTTPResponse
    /// The integer `max-age` of its `Cache-Control`, if any.
    var maxAge: Int?
    /// Its `Expires`, parsed, if any.
    var expires: Double?
    /// When its backend entry expires (stored since the hot tier: a page
    /// stored before has none and is not copied into the hot tier).
    var until: Double?
    /// The tags it was stored with (``CacheTagHeader``), if any.
    var tags: [String]?
}
