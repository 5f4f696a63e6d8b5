import Caching
import HTTPCaching
import Hummingbird
import NIOCore

/// django-cache-headers for Hummingbird: caching headers by URL rule and policy,
/// for Varnish, nginx and CDNs (see `CacheHeaders`).
///
/// The application says who the user is, since authentication is its own:
/// `user` is asked after the handler ran, with the context this middleware
/// got. Wiring hummingbird-auth: put this middleware *after* (inside) the
/// session/authenticator middleware so the context carries the user, and map
/// it: `user: { _, context in context.identity.map { .init(isAuthenticated: true, name: $0.name) } ?? .anonymous }`.
/// Report logins and logouts that happen in a handler through `event` (for
/// example from a response header your login route sets); the middleware then
/// sets or removes the `isauthenticated` cookie that the generated VCL hashes on.
public struct CacheHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Who made the request (`nil`: leave the response untouched).
    public typealias UserFunction = @Sendable (Request, Context) async throws -> CacheHeadersUser?
    /// A login or logout during the request, read from the handler's response.
    public typealias EventFunction = @Sendable (Request, Response) -> CacheHeaders.AuthEvent?
    /// Whether flash messages are pending (they trigger a cache-busting redirect).
    public typealias MessagesFunction = @Sendable (Request, Context) async throws -> Bool

    let logic: CacheHeaders
    let user: UserFunction
    let event: EventFunction
    let hasMessages: MessagesFunction
    let clock: CacheClock

    /// The middleware.
    public init(
        _ configuration: CacheHeadersConfiguration, clock: CacheClock = .wall,
        user: @escaping UserFunction, event: @escaping EventFunction = { _, _ in nil },
        hasMessages: @escaping MessagesFunction = { _, _ in false }
    ) {
        self.logic = CacheHeaders(configuration: configuration)
        self.user = user
        self.event = event
        self.hasMessages = hasMessages
        self.clock = clock
    }

    /// Runs the chain, then sets the headers.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        let user = try await self.user(request, context)
        var head = response.head
        let outcome = logic.process(
            request.head, response: &head, user: user, event: event(request, response),
            hasMessages: try await hasMessages(request, context), now: clock.now())
        switch outcome {
        case .respond:
            response.headers = head.headerFields
            return response
        case .badRequest(let message):
            return Response(status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: message)))
        case .redirect(let location):
            return Response(status: .found, headers: [.location: location])
        }
    }
}
