#if Vapor
import Foundation
import HTTPCaching
import Vapor

/// Django's `condition(etag_func, last_modified_func)` (and `etag`,
/// `last_modified`) as Vapor middleware — ETags and `Last-Modified` for dynamic
/// routes: the validators are computed before the handler; when the request's
/// preconditions give 304 or 412 the handler is not called. GET and HEAD
/// responses (those answers included) get `ETag` and `Last-Modified` if they
/// lack them.
public struct ConditionMiddleware: AsyncMiddleware {
    /// Computes the resource's entity tag (quoted or not), or `nil`.
    public typealias ETagFunction = @Sendable (Vapor.Request) async throws -> String?
    /// Computes the resource's modification date, or `nil`.
    public typealias LastModifiedFunction = @Sendable (Vapor.Request) async throws -> Date?

    let etag: ETagFunction?
    let lastModified: LastModifiedFunction?

    /// A condition on either validator or both.
    public init(etag: ETagFunction? = nil, lastModified: LastModifiedFunction? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }

    /// Evaluates the preconditions, then runs the chain only if they pass.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        let tag = try await etag?(request).map { EntityTag.quote($0) }
        let modified = try await lastModified?(request).map { $0.timeIntervalSince1970.rounded(.down) }
        let response: Vapor.Response
        switch ConditionalRequest.evaluate(request.cacheHead, etag: tag, lastModified: modified) {
        case .notModified:
            response = Vapor.Response(status: .notModified)
        case .preconditionFailed:
            response = Vapor.Response(status: .preconditionFailed, headers: HTTPHeaders(ConditionalRequest.preconditionFailedResponse.headerFields))
        case .proceed:
            response = try await next.respond(to: request)
        }
        if request.method == .GET || request.method == .HEAD {
            if let modified, !response.headers.contains(name: .lastModified) {
                response.headers.replaceOrAdd(name: .lastModified, value: HTTPDate.format(modified))
            }
            if let tag, !response.headers.contains(name: .eTag) { response.headers.replaceOrAdd(name: .eTag, value: tag) }
        }
        return response
    }
}
#endif
