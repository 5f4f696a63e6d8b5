import Caching
import HTTPCaching
import Hummingbird

/// Django's `never_cache` as middleware: every response gets
/// `HTTPCacheHeaders.addNeverCacheHeaders(_:now:)`.
public struct NeverCacheMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The clock `Expires` is set from.
    public let clock: CacheClock

    /// Never-cache middleware.
    public init(clock: CacheClock = .wall) {
        self.clock = clock
    }

    /// Runs the chain, then marks the response uncacheable.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        HTTPCacheHeaders.addNeverCacheHeaders(&response.headers, now: clock.now())
        return response
    }
}
