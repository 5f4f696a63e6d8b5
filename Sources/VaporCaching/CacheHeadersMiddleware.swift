#if Vapor
import Caching
import HTTPCaching
import NIOCore
import Vapor

/// django-cache-headers for Vapor: caching headers by URL rule and policy, for
/// Varnish, nginx and CDNs (see `CacheHeaders`).
///
/// The application says who the user is, since authentication is its own:
/// `user` is asked after the handler ran (with Vapor's auth, put this
/// middleware after the authenticators and read `request.auth`). Report
/// logins and logouts that happen in a handler through `event`; the
/// middleware then sets or removes the `isauthenticated` cookie that the
/// generated VCL hashes on.
public struct CacheHeadersMiddleware: AsyncMiddleware {
    /// Who made the request (`nil`: leave the response untouched).
    public typealias UserFunction = @Sendable (Vapor.Request) async throws -> CacheHeadersUser?
    /// A login or logout during the request, read from the handler's response.
    public typealias EventFunction = @Sendable (Vapor.Request, Vapor.Response) -> CacheHeaders.AuthEvent?
    /// Whether flash messages are pending (they trigger a cache-busting redirect).
    public typealias MessagesFunction = @Sendable (Vapor.Request) async throws -> Bool

    let logic: CacheHeaders
    let user: UserFunction
    let event: EventFunction
    let hasMessages: MessagesFunction
    let clock: CacheClock

    /// The middleware.
    public init(
        _ configuration: CacheHeadersConfiguration, clock: CacheClock = .wall,
        user: @escaping UserFunction, event: @escaping EventFunction = { _, _ in nil },
        hasMessages: @escaping MessagesFunction = { _ in false }
    ) {
        self.logic = CacheHeaders(configuration: configuration)
        self.user = user
        self.event = event
        self.hasMessages = hasMessages
        self.clock = clock
    }

    /// Runs the chain, then sets the headers.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        let response = try await next.respond(to: request)
        let user = try await self.user(request)
        var head = response.cacheHead
        let outcome = logic.process(
            request.cacheHead, response: &head, user: user, event: event(request, response),
            hasMessages: try await hasMessages(request), now: clock.now())
        switch outcome {
        case .respond:
            response.headers = HTTPHeaders(head.headerFields)
            return response
        case .badRequest(let message):
            return Vapor.Response(status: .badRequest, headers: ["Content-Type": "text/plain; charset=utf-8"],
                                  body: .init(string: message))
        case .redirect(let location):
            return Vapor.Response(status: .found, headers: ["Location": location])
        }
    }
}
#endif
