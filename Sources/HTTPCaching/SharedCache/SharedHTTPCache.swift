import Caching
import HTTPTypes
import Logging
import NIOCore

/// The page cache's shared-cache mode: an HTTP cache that follows RFC 9111 for a
/// shared cache (with RFC 5861's `stale-while-revalidate` and `stale-if-error`,
/// and RFC 9211's `Cache-Status`), in front of any origin.
///
/// Django's page cache (the default mode) keeps its own simple rules; this mode
/// is for a reverse proxy (`caching-proxy`) or an application that wants a
/// standards cache: it revalidates stale responses with `If-None-Match` /
/// `If-Modified-Since` and freshens them from a 304, honours `s-maxage`,
/// request directives and `Vary`, invalidates after unsafe methods, and can
/// serve stale content when the origin fails. Concurrent misses for one URL send
/// one request to the origin.
///
/// The origin is a closure, so this type knows no web framework: in a
/// Hummingbird app it is the route handler; in `caching-proxy`, an HTTP client.
/// Responses are kept in a `Cache` (any backend), one entry per URL
/// holding its variants. A failing backend never fails a request: it is logged
/// and the request goes to the origin.
public struct SharedHTTPCache: Sendable {
    /// The origin: answers a request (already stripped of the client's
    /// conditional headers when the cache validates on its own behalf).
    public typealias Origin = @Sendable (HTTPRequest, HTTPCacheBody) async throws -> HTTPCacheResponse

    /// Where responses are kept.
    public let cache: Cache
    /// The mode's settings.
    public let configuration: SharedCacheConfiguration
    /// The clock ages are measured on (wall time: `Date` headers are wall time).
    public let clock: CacheClock
    /// The in-process memory tier in front of ``cache`` (filled on store and
    /// on hit), which hits served at the connection are answered from; `nil`:
    /// none.
    public let hotStore: HotResponseStore?
    let logger: Logger
    let flights = SingleFlight<Bool>()
    let revalidations = SingleFlight<Bool>()
    let metrics: PageCacheMetrics

    /// A shared cache on `cache`.
    public init(
        cache: Cache, configuration: SharedCacheConfiguration = SharedCacheConfiguration(),
        clock: CacheClock = .wall, hotStore: HotResponseStore? = nil, logger: Logger = Logger(label: "swift-caching.shared")
    ) {
        self.cache = cache
        self.configuration = configuration
        self.clock = clock
        self.hotStore = hotStore
        self.logger = logger
        self.metrics = PageCacheMetrics(cache: cache, mode: "shared")
    }

    // MARK: Entry point

    /// Answers `request`, from the cache when RFC 9111 allows, else from `origin`.
    public func respond(
        to request: HTTPRequest, body: HTTPCacheBody = .empty, origin: @escaping Origin
    ) async -> HTTPCacheResponse {
        await metrics.decision(cache.tracer) { await respondInSpan(to: request, body: body, origin: origin) }
    }

    private func respondInSpan(to request: HTTPRequest, body: HTTPCacheBody, origin: @escaping Origin) async -> HTTPCacheResponse {
        switch request.method {
        case .get, .head:
            return await respondToRead(request, origin: origin)
        case .options, .trace, .connect:
            return await forward(request, body: body, origin: origin, status: "fwd=method")
        default:
            return await forwardUnsafe(request, body: body, origin: origin)
        }
    }

    /// An unsafe method: forwarded, then the target is invalidated on a
    /// non-error response (§4.4). A POST response that names its own target in
    /// `Content-Location` and has explicit freshness is stored for later GETs
    /// (RFC 9110 §9.3.3).
    private func forwardUnsafe(_ request: HTTPRequest, body: HTTPCacheBody, origin: @escaping Origin) async -> HTTPCacheResponse {
        let uri = Self.uri(of: request)
        let requestTime = clock.now()
        var response: HTTPCacheResponse
        do {
            response = try await origin(request, body)
        } catch {
            logger.warning("shared cache: origin failed for \(uri): \(error)")
            return badGateway(status: "fwd=method")
        }
        let responseTime = clock.now()
        response.head = Self.dated(response.head, at: responseTime)
        guard (200..<400).contains(response.head.status.code) else { return decorate(response, status: "fwd=method") }
        await invalidate(after: request, response: response.head)
        var read = request
        read.method = .get
        guard request.method == .post,
              let location = response.head.headerFields[.contentLocation],
              Self.resolve(location, against: request) == uri,
              hasExplicitFreshness(response.head.headerFields),
              isStorable(response.head, for: read) else {
            return decorate(response, status: "fwd=method")
        }
        do {
            response.body = try await response.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            logger.warning("shared cache: origin body failed for \(uri): \(error)")
            return badGateway(status: "fwd=method")
        }
        var stored = false
        if case .buffered(let bytes) = response.body {
            let entry = StoredHTTPResponse(
                response: storableHead(response.head), body: bytes,
                varyValues: Self.varyValues(of: read, vary: response.head.headerFields),
                requestTime: requestTime, responseTime: responseTime)
            stored = await store(entry, uri: uri)
        }
        return decorate(response, status: "fwd=method" + (stored ? "; stored" : ""))
    }

    /// Whether a response states its freshness lifetime (RFC 9111 §4.2.1):
    /// `s-maxage`, `max-age` or, without a targeted field, `Expires`.
    private func hasExplicitFreshness(_ fields: HTTPFields) -> Bool {
        let (directives, targeted) = self.directives(of: fields)
        return directives.sharedMaxAge != nil || directives.maxAge != nil || (!targeted && fields[.expires] != nil)
    }

    /// Removes every stored response for `uri` (a full URI or a path).
    public func invalidate(_ uri: String) async {
        hotStore?.remove(uri)
        do {
            _ = try await cache.delete(storageKey(uri))
            _ = try await cache.delete(partialKey(uri))
        } catch {
            logger.error("shared cache: could not invalidate \(uri): \(error)")
        }
    }

    // MARK: Reads

    private func respondToRead(_ request: HTTPRequest, origin: @escaping Origin) async -> HTTPCacheResponse {
        let uri = Self.uri(of: request)
        let requestDirectives = CacheDirectives(request.headerFields)
        let now = clock.now()
        let variants = await load(uri)
        let selected = variants.flatMap { select(from: $0, for: request) }

        guard let stored = selected else {
            if let partial = await servePartial(request, uri: uri, requestDirectives: requestDirectives) { return partial }
            if requestDirectives.onlyIfCached { return gatewayTimeout(status: "fwd=miss") }
            let detail = (variants?.isEmpty ?? true) ? "fwd=uri-miss" : "fwd=vary-miss"
            return await fetch(request, uri: uri, origin: origin, status: detail, coalesce: !requestDirectives.noCache)
        }

        let freshness = self.freshness(of: stored, now: now)
        let responseDirectives = self.directives(of: stored.headerFields).directives
        switch usability(freshness, response: responseDirectives, request: requestDirectives) {
        case .fresh:
            return serve(stored, to: request, freshness: freshness, status: "hit")
        case .staleAllowed:
            return serve(stored, to: request, freshness: freshness, status: "hit; detail=stale")
        case .staleWhileRevalidating:
            backgroundRevalidate(request, uri: uri, stored: stored, origin: origin)
            return serve(stored, to: request, freshness: freshness, status: "hit; detail=stale-while-revalidate")
        case .mustValidate(let reason):
            if requestDirectives.onlyIfCached { return gatewayTimeout(status: "fwd=\(reason)") }
            return await revalidate(
                request, uri: uri, stored: stored, freshness: freshness,
                requestDirectives: requestDirectives, origin: origin, reason: reason)
        }
    }

    enum Usability: Equatable {
        case fresh
        case staleAllowed
        case staleWhileRevalidating
        case mustValidate(String)
    }

    /// Whether a stored response may be used without validation (§4.2, §5.2).
    func usability(_ freshness: SharedCacheFreshness, response: CacheDirectives, request: CacheDirectives) -> Usability {
        if response.noCache { return .mustValidate("stale") }
        if request.noCache { return .mustValidate("request") }
        if let maxAge = request.maxAge, freshness.age > Double(maxAge) { return .mustValidate("request") }
        if freshness.isFresh {
            if let minFresh = request.minFresh, freshness.remaining < Double(minFresh) { return .mustValidate("request") }
            return .fresh
        }
        // Stale. must-revalidate, proxy-revalidate and s-maxage forbid serving it.
        let revalidationRequired = response.mustRevalidate || response.proxyRevalidate || response.sharedMaxAge != nil
        if revalidationRequired { return .mustValidate("stale") }
        if request.maxStaleUnlimited { return .staleAllowed }
        if let maxStale = request.maxStale, freshness.staleness <= Double(maxStale) { return .staleAllowed }
        if let window = response.staleWhileRevalidate, freshness.staleness <= Double(window) {
            return .staleWhileRevalidating
        }
        return .mustValidate("stale")
    }

    // MARK: Origin traffic

    /// A request the cache cannot answer: one origin fetch per URL at a time;
    /// the callers that waited look the cache up again.
    private func fetch(
        _ request: HTTPRequest, uri: String, origin: @escaping Origin, status: String, coalesce: Bool
    ) async -> HTTPCacheResponse {
        guard coalesce, request.method == .get, Self.conditionalFields.allSatisfy({ request.headerFields[$0] == nil }) else {
            return await fetchAndStore(request, uri: uri, origin: origin, status: status)
        }
        // The leader's response is handed back through the cache; a follower whose
        // request it does not satisfy (not storable, another variant) goes on its own.
        let outcome = try? await flights.run(uri) {
            (await fetchAndStore(request, uri: uri, origin: origin, status: status), true)
        }
        if case .ran(let response) = outcome { return response }
        if let variants = await load(uri), let stored = select(from: variants, for: request) {
            let freshness = self.freshness(of: stored, now: clock.now())
            if freshness.isFresh, !self.directives(of: stored.headerFields).directives.noCache {
                return serve(stored, to: request, freshness: freshness, status: "hit; collapsed")
            }
        }
        return await fetchAndStore(request, uri: uri, origin: origin, status: status)
    }

    /// Fetches from the origin, stores the response when §3 allows, and answers.
    private func fetchAndStore(
        _ request: HTTPRequest, uri: String, origin: @escaping Origin, status: String
    ) async -> HTTPCacheResponse {
        let requestTime = clock.now()
        var response: HTTPCacheResponse
        do {
            response = try await origin(request, .empty)
        } catch {
            logger.warning("shared cache: origin failed for \(uri): \(error)")
            return badGateway(status: status)
        }
        let responseTime = clock.now()
        response.head = Self.dated(response.head, at: responseTime)
        var stored = false
        let refusal = request.method == .get ? storability(response.head, for: request) : nil
        if request.method == .get, refusal == nil {
            do {
                response.body = try await response.body.collect(upTo: configuration.maxBodyBytes)
            } catch {
                logger.warning("shared cache: origin body failed for \(uri): \(error)")
                return badGateway(status: status)
            }
            if case .buffered(let bytes) = response.body {
                let entry = StoredHTTPResponse(
                    response: storableHead(response.head), body: bytes,
                    varyValues: Self.varyValues(of: request, vary: response.head.headerFields),
                    requestTime: requestTime, responseTime: responseTime)
                stored = await store(entry, uri: uri)
                // An origin that ignored the request's Range sent the whole body.
                let (head, body) = ByteRanges.apply(to: request, head: response.head, body: bytes)
                response = HTTPCacheResponse(head: head, body: .buffered(body))
            }
        } else if request.method == .get, response.head.status == .partialContent {
            do {
                response.body = try await response.body.collect(upTo: configuration.maxBodyBytes)
            } catch {
                logger.warning("shared cache: origin body failed for \(uri): \(error)")
                return badGateway(status: status)
            }
            if case .buffered(let bytes) = response.body {
                stored = await storePartial(
                    response.head, body: bytes, for: request, uri: uri, requestTime: requestTime, responseTime: responseTime)
            }
        }
        let uncacheable = stored || response.head.status == .partialContent ? nil : refusal
        return decorate(response, status: status + (stored ? "; stored" : ""), uncacheable: uncacheable)
    }

    /// Validates `stored` with the origin and answers from the result (§4.3).
    private func revalidate(
        _ request: HTTPRequest, uri: String, stored: StoredHTTPResponse, freshness: SharedCacheFreshness,
        requestDirectives: CacheDirectives, origin: @escaping Origin, reason: String
    ) async -> HTTPCacheResponse {
        // A HEAD is validated with a HEAD (RFC 9111 §4.3.1, §4.3.5): the client
        // asked for no body, and the origin need not produce one.
        var conditional = request
        for field in Self.conditionalFields { conditional.headerFields[field] = nil }
        conditional.headerFields[.range] = nil
        if let etag = stored.entityTag { conditional.headerFields[.ifNoneMatch] = etag }
        if let lastModified = stored.lastModified { conditional.headerFields[.ifModifiedSince] = lastModified }

        let requestTime = clock.now()
        var response: HTTPCacheResponse
        do {
            response = try await origin(conditional, .empty)
        } catch {
            logger.warning("shared cache: origin failed revalidating \(uri): \(error)")
            if let detail = staleOnErrorDetail(freshness, stored: stored, request: requestDirectives) {
                return serve(stored, to: request, freshness: freshness, status: "hit; detail=\(detail)")
            }
            return badGateway(status: "fwd=\(reason)")
        }
        let responseTime = clock.now()
        response.head = Self.dated(response.head, at: responseTime)
        let code = response.head.status.code
        if code == 304 {
            var freshened = stored
            freshened.headerFields = Self.freshen(stored.headerFields, with: response.head.headerFields)
            freshened.requestTime = requestTime
            freshened.responseTime = responseTime
            _ = await store(freshened, uri: uri)
            let renewed = self.freshness(of: freshened, now: clock.now())
            return serve(freshened, to: request, freshness: renewed, status: "fwd=\(reason); fwd-status=304", validated: response.head)
        }
        if Self.staleOnErrorStatuses.contains(code),
           let detail = staleOnErrorDetail(freshness, stored: stored, request: requestDirectives) {
            return serve(stored, to: request, freshness: freshness, status: "hit; detail=\(detail)")
        }
        if request.method == .head {
            // A 200 to a HEAD with the stored validators freshens the stored
            // response's fields; any other answer means it changed (§4.3.5).
            if code == 200, Self.sameValidators(response.head.headerFields, stored.headerFields) {
                var freshened = stored
                freshened.headerFields = Self.freshen(stored.headerFields, with: response.head.headerFields)
                freshened.requestTime = requestTime
                freshened.responseTime = responseTime
                _ = await store(freshened, uri: uri)
            } else if code < 500 {
                await invalidate(uri)
            }
            return decorate(HTTPCacheResponse(head: response.head, body: .empty), status: "fwd=\(reason); fwd-status=\(code)")
        }
        // A full response replaces the stored one (when storable) and is answered.
        var full = response
        var stored = false
        let refusal = storability(full.head, for: request)
        if refusal == nil {
            do {
                full.body = try await full.body.collect(upTo: configuration.maxBodyBytes)
            } catch {
                return badGateway(status: "fwd=\(reason)")
            }
            if case .buffered(let bytes) = full.body {
                let entry = StoredHTTPResponse(
                    response: storableHead(full.head), body: bytes,
                    varyValues: Self.varyValues(of: request, vary: full.head.headerFields),
                    requestTime: requestTime, responseTime: responseTime)
                stored = await store(entry, uri: uri)
                let (head, body) = ByteRanges.apply(to: request, head: full.head, body: bytes)
                full = HTTPCacheResponse(head: head, body: .buffered(body))
            }
        } else if code < 500 {
            // The origin no longer allows storing: what is stored must not be reused.
            await invalidate(uri)
        }
        return decorate(full, status: "fwd=\(reason); fwd-status=\(code)" + (stored ? "; stored" : ""), uncacheable: refusal)
    }

    /// Revalidates in the background (stale-while-revalidate), once per URL.
    private func backgroundRevalidate(_ request: HTTPRequest, uri: String, stored: StoredHTTPResponse, origin: @escaping Origin) {
        var unconditional = request
        for field in Self.conditionalFields { unconditional.headerFields[field] = nil }
        let plain = unconditional
        let freshness = self.freshness(of: stored, now: clock.now())
        let this = self
        Task {
            _ = try? await this.revalidations.run(uri) {
                (await this.revalidate(
                    plain, uri: uri, stored: stored, freshness: freshness,
                    requestDirectives: CacheDirectives(), origin: origin, reason: "stale"), true)
            }
        }
    }

    /// Whether a stale response may stand in for an origin that failed or
    /// answered 500, 502, 503 or 504, and the `Cache-Status` detail saying why:
    /// `stale-if-error` (RFC 5861 §4) within its window, or — with
    /// ``SharedCacheConfiguration/staleOnError`` — the origin being out of reach
    /// (RFC 9111 §4.2.4). `must-revalidate`, `proxy-revalidate`, `s-maxage` and
    /// `no-cache` forbid both (§5.2.2.2, §5.2.2.8, §5.2.2.10, §5.2.2.4).
    private func staleOnErrorDetail(_ freshness: SharedCacheFreshness, stored: StoredHTTPResponse, request: CacheDirectives) -> String? {
        let response = self.directives(of: stored.headerFields).directives
        if response.mustRevalidate || response.proxyRevalidate || response.sharedMaxAge != nil || response.noCache { return nil }
        let window = max(response.staleIfError ?? -1, request.staleIfError ?? -1)
        if window >= 0, freshness.staleness <= Double(window) { return "stale-if-error" }
        return configuration.staleOnError ? "stale-on-error" : nil
    }

    /// The response directives this cache follows for `fields`: a targeted
    /// field's (RFC 9213) when one is valid, else `Cache-Control`'s.
    func directives(of fields: HTTPFields) -> (directives: CacheDirectives, targeted: Bool) {
        TargetedCacheControl.responseDirectives(fields, targets: configuration.targetedFields)
    }

    /// The freshness of `stored` at `now` under this cache's settings.
    func freshness(of stored: StoredHTTPResponse, now: Double) -> SharedCacheFreshness {
        SharedCacheFreshness(
            of: stored, now: now, heuristicFraction: configuration.heuristicFraction,
            heuristicLimit: configuration.heuristicLimit, targetedFields: configuration.targetedFields)
    }

    /// Forwards without caching (methods the cache does not store).
    private func forward(_ request: HTTPRequest, body: HTTPCacheBody, origin: @escaping Origin, status: String) async -> HTTPCacheResponse {
        do {
            var response = try await origin(request, body)
            response.head = Self.dated(response.head, at: clock.now())
            return decorate(response, status: status)
        } catch {
            logger.warning("shared cache: origin failed for \(Self.uri(of: request)): \(error)")
            return badGateway(status: status)
        }
    }

    // MARK: Storing

    /// Whether RFC 9111 §3 allows a shared cache to store `response` to `request`.
    public func isStorable(_ response: HTTPResponse, for request: HTTPRequest) -> Bool {
        storability(response, for: request) == nil
    }

    /// Why RFC 9111 §3 forbids storing `response` to `request`, or `nil`
    /// when it may be stored (``isStorable(_:for:)``; the reason is the
    /// `swift_caching_page_uncacheable_total` label).
    func storability(_ response: HTTPResponse, for request: HTTPRequest) -> PageCacheUncacheableReason? {
        let code = response.status.code
        guard code >= 200, code != 206, code != 304 else { return .status }
        let requestDirectives = CacheDirectives(request.headerFields)
        let (directives, targeted) = self.directives(of: response.headerFields)
        if requestDirectives.noStore { return .noStore }
        if directives.isPrivate { return .private }
        // must-understand (§5.2.2.3): stored only when this cache knows the
        // status code's caching rules, and then no-store is ignored.
        if directives.mustUnderstand {
            guard Self.understoodStatuses.contains(code) else { return .status }
        } else if directives.noStore {
            return .noStore
        }
        if response.headerFields[values: .vary].contains(where: { $0.split(separator: ",").contains { $0.trimmingHTTPWhitespace() == "*" } }) {
            return .varyStar
        }
        if request.headerFields[.authorization] != nil,
           !(directives.mustRevalidate || directives.isPublic || directives.sharedMaxAge != nil) {
            return .authorization
        }
        if directives.isPublic || directives.sharedMaxAge != nil || directives.maxAge != nil { return nil }
        if !targeted, response.headerFields[.expires] != nil { return nil }
        if SharedCacheFreshness.heuristicallyCacheable.contains(code) { return nil }
        return .noFreshness
    }

    /// The head as stored: without hop-by-hop fields and the fields a qualified
    /// `private` or `no-cache` names. The upstream's `Age` is kept (the Age
    /// calculation of §4.2.3 starts from it); the cache writes its own when serving.
    func storableHead(_ response: HTTPResponse) -> HTTPResponse {
        var head = response
        let directives = self.directives(of: response.headerFields).directives
        var dropped = Set(Self.hopByHopFields)
        dropped.formUnion(directives.privateFields)
        dropped.formUnion(directives.noCacheFields)
        for name in response.headerFields[values: .connection].flatMap({ $0.split(separator: ",") }) {
            dropped.insert(name.trimmingHTTPWhitespace().lowercased())
        }
        head.headerFields = HTTPFields(response.headerFields.filter { !dropped.contains($0.name.canonicalName) })
        return head
    }

    private func store(_ entry: StoredHTTPResponse, uri: String) async -> Bool {
        var entry = entry
        let tags = configuration.tagHeader.take(from: &entry.headerFields)
        entry.tags = tags.isEmpty ? nil : tags
        let freshness = self.freshness(of: entry, now: clock.now())
        let directives = self.directives(of: entry.headerFields).directives
        let hasValidator = entry.entityTag != nil || entry.lastModified != nil
        let staleWindow = Double(max(directives.staleWhileRevalidate ?? 0, directives.staleIfError ?? 0))
        let keep = max(0, freshness.remaining) + max(staleWindow, hasValidator ? configuration.staleRetention : 0)
        guard keep > 0 || freshness.isFresh else { return false }
        var variants = (await load(uri)) ?? []
        variants.removeAll { $0.varyValues == entry.varyValues }
        variants.insert(entry, at: 0)
        if variants.count > configuration.maxVariants { variants.removeLast(variants.count - configuration.maxVariants) }
        let longest = variants.map { variant in
            let f = self.freshness(of: variant, now: clock.now())
            return max(0, f.remaining) + configuration.staleRetention
        }.max() ?? keep
        let allTags = Self.tags(of: variants)
        let generation = CacheTagGeneration.current
        do {
            try await cache.set(storageKey(uri), StoredVariants(variants: variants), timeout: .seconds(max(keep, longest)), tags: allTags)
            remember(variants, uri: uri, lifetime: max(keep, longest), generation: generation)
            return true
        } catch {
            logger.error("shared cache: could not store \(uri): \(error)")
            return false
        }
    }

    private func load(_ uri: String) async -> [StoredHTTPResponse]? {
        if let variants = hotVariants(uri) { return variants.map(\.stored) }
        let generation = CacheTagGeneration.current
        do {
            let variants = try await cache.get(storageKey(uri), as: StoredVariants.self)?.variants
            if let variants {
                // Filled on hit for as long as some variant stays fresh: the
                // backend keeps the entry at least that long.
                let now = clock.now()
                let fresh = variants.map { self.freshness(of: $0, now: now).remaining }.max() ?? 0
                remember(variants, uri: uri, lifetime: fresh, generation: generation)
            }
            return variants
        } catch {
            logger.error("shared cache: could not read \(uri), treating it as a miss: \(error)")
            return nil
        }
    }

    // MARK: Hot tier

    /// The variants of `uri` in the hot tier. The tier is keyed by the URI
    /// itself, not by ``storageKey(_:)``: it is in-process and this cache's
    /// own, so it needs neither the prefix nor the digest that bound a
    /// backend's key length, and a hit then costs no MD5 (a few percent of a
    /// hit's CPU in a profile of `caching-proxy`).
    private func hotVariants(_ uri: String) -> [HotVariant]? {
        guard let hotStore, case .variants(let variants)? = hotStore.value(uri) else { return nil }
        return variants
    }

    /// Copies the variants of `uri` into the hot tier for at most `lifetime`
    /// seconds; tagged ones until one of their tags is invalidated
    /// (`generation`: `CacheTagGeneration.current`, read before the variants were).
    private func remember(_ variants: [StoredHTTPResponse], uri: String, lifetime: Double, generation: UInt64) {
        guard let hotStore, hotStore.isEnabled else { return }
        let now = clock.now()
        let hot = variants.map {
            HotVariant(stored: $0, body: ByteBuffer(bytes: $0.body), freshness: freshness(of: $0, now: now),
                       directives: directives(of: $0.headerFields).directives, id: HotAnswerKey.nextVariant())
        }
        hotStore.set(uri, .variants(hot), lifetime: lifetime, tags: Self.tags(of: variants), generation: generation)
    }

    /// The tags of all `variants`, without repeats: the URL's entry holds
    /// them all, so invalidating any drops the entry.
    static func tags(of variants: [StoredHTTPResponse]) -> [String] {
        var tags: [String] = []
        var seen: Set<String> = []
        for tag in variants.flatMap({ $0.tags ?? [] }) where seen.insert(tag).inserted { tags.append(tag) }
        return tags
    }

    /// The answer to `request` from the hot tier alone, exactly as
    /// ``respond(to:body:origin:)`` would give it: `nil` unless it is a GET or
    /// HEAD without request directives (`Cache-Control`),
    /// `Authorization`, `Range` or preconditions other than `If-None-Match` /
    /// `If-Modified-Since`, whose selected variant is in the hot tier and
    /// fresh. Serves hits at the connection, below the web framework's router.
    public func hotAnswer(_ request: HTTPRequest) -> HotAnswer? {
        switch hotAnswer(request, unlessSameAs: nil) {
        case .answer(let answer, _)?: return answer
        case .unchanged?, nil: return nil
        }
    }

    /// ``hotAnswer(_:)`` for a connection that keeps its last answer:
    /// `.unchanged` when the answer would be the one `previous` stands for
    /// (same stored copy, same `Age`, same method, no conditional fields), so
    /// the caller writes that again; otherwise the new answer and its key.
    /// The hit is checked and counted either way.
    public func hotAnswer(_ request: HTTPRequest, unlessSameAs previous: HotAnswerKey?) -> HotAnswerLookup? {
        guard request.method == .get || request.method == .head else { return nil }
        let fields = request.headerFields
        for name in Self.hotPassFields where fields[name] != nil { return nil }
        let uri = Self.uri(of: request)
        guard let hot = hotVariants(uri)?.first(where: { matches($0.stored, request) }) else { return nil }
        let freshness = hot.freshness.at(clock.now())
        guard usability(freshness, response: hot.directives, request: CacheDirectives()) == .fresh
        else { return nil }
        metrics.hotHit()
        // Conditional requests are answered by the rules each time (a 304 or
        // the full page); every other input of `serve` is in the key.
        var key: HotAnswerKey?
        if !ConditionalRequest.hasPreconditions(request) {
            key = HotAnswerKey(
                variant: hot.id, age: CacheDirectives.headerSeconds(freshness.age),
                ttl: configuration.cacheStatus ? CacheDirectives.headerSeconds(freshness.remaining) : 0,
                isHead: request.method == .head)
            if key == previous { return .unchanged }
        }
        let answer = serve(hot.stored, to: request, freshness: freshness, status: "hit", counted: false)
        let full = request.method == .get && answer.head.status.code != 304
        return .answer(HotAnswer(head: answer.head, body: full ? hot.body : nil), key: key)
    }

    /// Request fields that send a request the full way: directives, credentials,
    /// ranges and the preconditions only the full path evaluates.
    static let hotPassFields: [HTTPField.Name] = [.cacheControl, .authorization, .range, .ifRange, .ifMatch, .ifUnmodifiedSince]

    func storageKey(_ uri: String) -> String {
        configuration.keyPrefix + "." + HTTPCacheHeaders.md5Hex(uri.utf8)
    }

    /// The most recent stored variant whose `Vary` fields match `request`
    /// (§4.1): equal once normalised, or, for `Accept-Language`, a variant in
    /// the language the request prefers most.
    func select(from variants: [StoredHTTPResponse], for request: HTTPRequest) -> StoredHTTPResponse? {
        variants.first { matches($0, request) }
    }

    /// Whether `variant`'s `Vary` fields match `request` (``select(from:for:)``).
    func matches(_ variant: StoredHTTPResponse, _ request: HTTPRequest) -> Bool {
        variant.varyValues.allSatisfy { name, value in
            guard let fieldName = HTTPField.Name(name) else { return false }
            if Self.normalized(request.headerFields, fieldName) == value { return true }
            return fieldName == .acceptLanguage
                && AcceptLanguage.prefers(request.headerFields, contentLanguage: variant.headerFields[.contentLanguage])
        }
    }

    // MARK: Answering

    /// Answers from a stored response. `validated`: the origin has just
    /// validated it for this request, so it carries no `Age` unless the
    /// origin's 304 came with one (RFC 9111 §5.1: `Age` says the response was
    /// not generated or validated by the origin for this request).
    func serve(
        _ stored: StoredHTTPResponse, to request: HTTPRequest, freshness: SharedCacheFreshness, status: String,
        validated: HTTPResponse? = nil, counted: Bool = true
    ) -> HTTPCacheResponse {
        var head = stored.response
        if let validated, validated.headerFields[.age] == nil {
            head.headerFields[.age] = nil
        } else {
            head.headerFields[.age] = String(CacheDirectives.headerSeconds(freshness.age))
        }
        if Self.clientConditionsMatch(request, stored: head.headerFields) {
            var notModified = HTTPResponse(status: .notModified)
            for name in Self.notModifiedFields {
                for value in head.headerFields[values: name] { notModified.headerFields.append(HTTPField(name: name, value: value)) }
            }
            return decorate(
                HTTPCacheResponse(head: notModified, body: .empty), status: status, ttl: freshness.remaining, counted: counted)
        }
        if request.method == .head {
            // The length of the body a GET would get (RFC 9110 §8.6).
            head.headerFields[.contentLength] = String(stored.body.count)
            return decorate(HTTPCacheResponse(head: head, body: .empty), status: status, ttl: freshness.remaining, counted: counted)
        }
        let (ranged, body) = ByteRanges.apply(to: request, head: head, body: stored.body)
        return decorate(HTTPCacheResponse(head: ranged, body: .buffered(body)), status: status, ttl: freshness.remaining, counted: counted)
    }

    /// Adds `Cache-Status` and strips the tag field; every answer passes
    /// here once, so it also counts the request's outcome (unless `counted`
    /// is off: the hot path counts its own hits).
    func decorate(
        _ response: HTTPCacheResponse, status: String, ttl: Double? = nil, uncacheable: PageCacheUncacheableReason? = nil,
        counted: Bool = true
    ) -> HTTPCacheResponse {
        if counted { metrics.record(Self.outcome(of: status, uncacheable: uncacheable), reason: uncacheable) }
        var response = response
        if configuration.tagHeader.strip { _ = configuration.tagHeader.take(from: &response.head.headerFields) }
        guard configuration.cacheStatus else { return response }
        var value = configuration.cacheName + "; " + status
        if let ttl { value += "; ttl=\(CacheDirectives.headerSeconds(ttl))" }
        response.head.headerFields.append(HTTPField(name: Self.cacheStatusField, value: value))
        return response
    }

    /// The outcome a `Cache-Status` value (RFC 9211) stands for: `hit`s,
    /// stale ones (`detail=stale…`), `fwd=method` (not considered), a 304
    /// from the origin (revalidated), else a miss — uncacheable when the
    /// response could not be stored.
    static func outcome(of status: String, uncacheable: PageCacheUncacheableReason?) -> PageCacheOutcome {
        if status.hasPrefix("hit") { return status.contains("detail=stale") ? .stale : .hit }
        if status.hasPrefix("fwd=method") { return .bypassed }
        if status.contains("fwd-status=304") { return .revalidated }
        return uncacheable == nil ? .miss : .uncacheable
    }

    private func gatewayTimeout(status: String) -> HTTPCacheResponse {
        decorate(HTTPCacheResponse(status: .gatewayTimeout), status: status)
    }

    private func badGateway(status: String) -> HTTPCacheResponse {
        decorate(HTTPCacheResponse(status: .badGateway), status: status)
    }

    // MARK: Invalidation

    private func invalidate(after request: HTTPRequest, response: HTTPResponse) async {
        let target = Self.uri(of: request)
        await invalidate(target)
        for name in [HTTPField.Name.location, .contentLocation] {
            guard let value = response.headerFields[name],
                  let resolved = Self.resolve(value, against: request) else { continue }
            await invalidate(resolved)
        }
    }
}

/// The variants of one URL, as one cache entry.
struct StoredVariants: Codable, Sendable {
    var variants: [StoredHTTPResponse]
}

