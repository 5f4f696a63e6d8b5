import HTTPCaching
import Hummingbird

/// Django's `cache_control(...)` decorator as middleware: patches the
/// response's `Cache-Control` with `HTTPCacheHeaders.patchCacheControl(_:_:)`.
/// Put it on a route group to apply it to some routes only.
public struct CacheControlMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The directives merged into every response.
    public let directives: [CacheControlHeader.Directive]

    /// Middleware that merges `directives`.
    public init(_ directives: [CacheControlHeader.Directive]) {
        self.directives = directives
    }

    /// Runs the chain, then patches the header.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        HTTPCacheHeaders.patchCacheControl(&response.headers, directives)
        return response
    }
}
