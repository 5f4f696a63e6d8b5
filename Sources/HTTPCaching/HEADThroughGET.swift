import HTTPTypes

/// HEAD requests answered through GET routes, as Django answers them: a HEAD
/// for a URL with no HEAD handler runs the GET handler and is sent without its
/// body, keeping the GET body's `Content-Length` (RFC 9110 §9.3.2, §8.6).
///
/// Routers such as Hummingbird's answer such a HEAD with 404 unless the app
/// asks for generated HEAD routes; the adapters' page-cache responders wrap
/// the app in ``respond(method:adapter:_:)`` so no option is needed. While the
/// GET runs, the page-cache steps see it as the HEAD it stands for
/// (``effective(_:)``), so — exactly as in Django — the conditional step leaves
/// it alone and the update step stores it under the HEAD key.
public enum HEADThroughGET {
    /// Set while a GET runs in place of a HEAD.
    @TaskLocal static var standingIn: Bool = false

    /// The request as the page-cache steps must see it: a GET that stands in
    /// for a HEAD is that HEAD.
    public static func effective(_ request: HTTPRequest) -> HTTPRequest {
        guard standingIn, request.method == .get else { return request }
        var request = request
        request.method = .head
        return request
    }

    /// Runs `run` with the request's own method; when a HEAD is answered 404
    /// (no HEAD route), runs it again as a GET and answers with that response's
    /// head and no body.
    public static func respond<Adapter: PageCacheAdapter>(
        method: HTTPRequest.Method, adapter: Adapter, _ run: (HTTPRequest.Method) async throws -> Adapter.Response
    ) async throws -> Adapter.Response {
        let response = try await run(method)
        guard method == .head, adapter.head(of: response).status == .notFound else { return response }
        let asGet = try await $standingIn.withValue(true) { try await run(.get) }
        return adapter.response(from: try await adapter.page(from: asGet).headOnly)
    }
}

extension PageResponse {
    /// The answer to a HEAD for this response: the same head, with the body's
    /// length as `Content-Length` when the body is known, and no body.
    public var headOnly: PageResponse {
        var head = self.head
        if case .bytes(let bytes) = body { head.headerFields[.contentLength] = String(bytes.count) }
        return PageResponse(head: head, body: .bytes([]))
    }
}
