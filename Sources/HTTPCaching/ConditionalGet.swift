import HTTPTypes

/// Django's `ConditionalGetMiddleware`, framework-free (spec §7).
///
/// For GET requests it gives the response an ETag (the md5 of a non-empty,
/// known body, unless one is set or `Cache-Control` has `no-store`) and answers
/// the request's `If-None-Match`, `If-Modified-Since`, `If-Match` and
/// `If-Unmodified-Since` with 304 or 412 (``ConditionalRequest``). HEAD — also a
/// GET standing in for a HEAD (``HEADThroughGET``) — and unsafe methods pass
/// untouched.
///
/// Placed between the page cache's update and fetch steps, as Django's
/// recommended `MIDDLEWARE` order does, it sees cached pages on their way out
/// (so a hit can be a 304) and its ETag is stored with the page (so a later
/// HEAD hit carries it); the update step never stores its 304s.
public enum ConditionalGet {
    /// Runs `next`, then applies the rules to its response.
    public static func respond<Adapter: PageCacheAdapter>(
        _ request: HTTPRequest, adapter: Adapter, next: () async throws -> Adapter.Response
    ) async throws -> Adapter.Response {
        let response = try await next()
        let request = HEADThroughGET.effective(request)
        guard request.method == .get else { return response }
        var head = adapter.head(of: response)
        var result = response
        if wantsETag(head) {
            var page = try await adapter.page(from: response)
            if case .bytes(let body) = page.body {
                HTTPCacheHeaders.setETag(&page.head.headerFields, body: body)
            }
            head = page.head
            result = adapter.response(from: page)
        }
        if let answer = ConditionalRequest.answer(request, to: head) {
            return adapter.response(from: PageResponse(head: answer, body: .bytes([])))
        }
        return result
    }

    /// Whether the step gives `response` an ETag computed from its body:
    /// it has none and its `Cache-Control` has no `no-store`. Shared by the
    /// step and the hits served at the connection (``PageCache/hotAnswer(_:conditionalGet:)``).
    public static func wantsETag(_ response: HTTPResponse) -> Bool {
        response.headerFields[.eTag] == nil && !CacheControlHeader(parsing: response.headerFields[.cacheControl]).contains("no-store")
    }
}
