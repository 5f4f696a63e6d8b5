import Foundation
import HTTPCaching
import Hummingbird

/// Django's `condition(etag_func, last_modified_func)` (and `etag`,
/// `last_modified`) as middleware: the validators are computed before the
/// handler; when the request's preconditions give 304 or 412 the handler is not
/// called. GET and HEAD responses (those answers included) get `ETag` and
/// `Last-Modified` if they lack them.
public struct ConditionMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Computes the resource's entity tag (quoted or not), or `nil`.
    public typealias ETagFunction = @Sendable (Request, Context) async throws -> String?
    /// Computes the resource's modification date, or `nil`.
    public typealias LastModifiedFunction = @Sendable (Request, Context) async throws -> Date?

    let etag: ETagFunction?
    let lastModified: LastModifiedFunction?

    /// A condition on either validator or both.
    public init(etag: ETagFunction? = nil, lastModified: LastModifiedFunction? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }

    /// Evaluates the preconditions, then runs the chain only if they pass.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let tag = try await etag?(request, context).map { EntityTag.quote($0) }
        let modified = try await lastModified?(request, context).map { $0.timeIntervalSince1970.rounded(.down) }
        var response: Response
        switch ConditionalRequest.evaluate(request.head, etag: tag, lastModified: modified) {
        case .notModified: response = Response(status: .notModified)
        case .preconditionFailed:
            response = Response(status: .preconditionFailed, headers: ConditionalRequest.preconditionFailedResponse.headerFields)
        case .proceed: response = try await next(request, context)
        }
        if request.method == .get || request.method == .head {
            if let modified, response.headers[.lastModified] == nil { response.headers[.lastModified] = HTTPDate.format(modified) }
            if let tag, response.headers[.eTag] == nil { response.headers[.eTag] = tag }
        }
        return response
    }
}
