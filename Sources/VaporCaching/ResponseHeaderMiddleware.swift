#if Vapor
import Caching
import HTTPCaching
import HTTPTypes
import Vapor

/// Django's `never_cache` as Vapor middleware: every response gets
/// `HTTPCacheHeaders.addNeverCacheHeaders(_:now:)`.
public struct NeverCacheMiddleware: AsyncMiddleware {
    /// The clock `Expires` is set from.
    public let clock: CacheClock

    /// Never-cache middleware.
    public init(clock: CacheClock = .wall) {
        self.clock = clock
    }

    /// Runs the chain, then marks the response uncacheable.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        let response = try await next.respond(to: request)
        let now = clock.now()
        response.patchFields { HTTPCacheHeaders.addNeverCacheHeaders(&$0, now: now) }
        return response
    }
}

/// Django's `cache_control(...)` as Vapor middleware: patches the response's
/// `Cache-Control` with `HTTPCacheHeaders.patchCacheControl(_:_:)`.
public struct CacheControlMiddleware: AsyncMiddleware {
    /// The directives merged into every response.
    public let directives: [CacheControlHeader.Directive]

    /// Middleware that merges `directives`.
    public init(_ directives: [CacheControlHeader.Directive]) {
        self.directives = directives
    }

    /// Runs the chain, then patches the header.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        let response = try await next.respond(to: request)
        response.patchFields { HTTPCacheHeaders.patchCacheControl(&$0, directives) }
        return response
    }
}

/// Django's `vary_on_headers(...)` / `vary_on_cookie` as Vapor middleware: adds
/// names to `Vary` with `HTTPCacheHeaders.patchVaryHeaders(_:_:)`.
public struct VaryHeadersMiddleware: AsyncMiddleware {
    /// The header names added to `Vary`.
    public let names: [String]

    /// Middleware that varies responses on `names`.
    public init(_ names: [String]) {
        self.names = names
    }

    /// `vary_on_cookie`.
    public static var cookie: VaryHeadersMiddleware { VaryHeadersMiddleware(["Cookie"]) }

    /// Runs the chain, then patches `Vary`.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        let response = try await next.respond(to: request)
        response.patchFields { HTTPCacheHeaders.patchVaryHeaders(&$0, names) }
        return response
    }
}

extension Vapor.Response {
    /// Applies a header rule of the core to the response's headers.
    func patchFields(_ patch: (inout HTTPFields) -> Void) {
        var fields = HTTPFields(headers)
        patch(&fields)
        headers = HTTPHeaders(fields)
    }
}
#endif
