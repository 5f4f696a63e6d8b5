import HTTPCaching
import Hummingbird

/// Answers HEAD requests through GET routes, as Django does
/// (`HEADThroughGET`): a HEAD that the wrapped responder answers
/// 404 runs again as a GET and is sent with that response's head — its
/// `Content-Length` included — and no body. ``CachingResponder`` includes it;
/// wrap the router in it when placing the page-cache middleware by hand.
public struct HEADThroughGETResponder<Responder: HTTPResponder>: HTTPResponder where Responder.Context: RequestContext {
    /// The app's request context.
    public typealias Context = Responder.Context

    let responder: Responder
    let adapter: HummingbirdPageAdapter

    /// Wraps `responder`.
    public init(_ responder: Responder, maxBodyBytes: Int = 1 << 20) {
        self.responder = responder
        self.adapter = HummingbirdPageAdapter(maxBodyBytes: maxBodyBytes)
    }

    /// Answers `request`, a HEAD through the GET route when it has no HEAD route.
    public func respond(to request: Request, context: Context) async throws -> Response {
        try await HEADThroughGET.respond(request, adapter: adapter) { request in
            try await responder.respond(to: request, context: context)
        }
    }
}

extension HEADThroughGET {
    /// `HEADThroughGET.respond(method:adapter:_:)` for a
    /// Hummingbird request: `respond` gets the request, or its GET twin.
    static func respond(
        _ request: Request, adapter: HummingbirdPageAdapter, _ respond: (Request) async throws -> Response
    ) async throws -> Response {
        try await HEADThroughGET.respond(method: request.method, adapter: adapter) { method in
            guard method != request.method else { return try await respond(request) }
            var head = request.head
            head.method = method
            return try await respond(Request(head: head, body: request.body))
        }
    }
}
