import HTTPCaching
import Hummingbird

/// Django's `vary_on_headers(...)` / `vary_on_cookie` as middleware: adds names
/// to `Vary` with `HTTPCacheHeaders.patchVaryHeaders(_:_:)`.
public struct VaryHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The header names added to `Vary`.
    public let names: [String]

    /// Middleware that varies responses on `names`.
    public init(_ names: [String]) {
        self.names = names
    }

    /// `vary_on_cookie`.
    public static var cookie: VaryHeadersMiddleware { VaryHeadersMiddleware(["Cookie"]) }

    /// Runs the chain, then patches `Vary`.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        HTTPCacheHeaders.patchVaryHeaders(&response.headers, names)
        return response
    }
}
