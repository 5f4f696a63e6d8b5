import HTTPTypes

/// Conditional requests evaluated as Django's `get_conditional_response`, in the
/// order of RFC 9110 §13.2.2: `If-Match`, `If-Unmodified-Since`,
/// `If-None-Match`, `If-Modified-Since`. (`If-Range` is not supported.)
public enum ConditionalRequest {
    /// What a conditional request comes to.
    public enum Outcome: Sendable, Equatable {
        /// The preconditions pass (or there are none): answer normally.
        case proceed
        /// 304 Not Modified (GET/HEAD whose validators match).
        case notModified
        /// 412 Precondition Failed.
        case preconditionFailed
    }

    /// Evaluates the request's preconditions against the resource's validators.
    ///
    /// - Parameters:
    ///   - request: the request whose `If-Match`, `If-Unmodified-Since`,
    ///     `If-None-Match` and `If-Modified-Since` fields are evaluated.
    ///   - etag: the resource's entity tag, quoted (`"x"` or `W/"x"`), or `nil`.
    ///   - lastModified: the resource's modification time, seconds since 1970.
    public static func evaluate(_ request: HTTPRequest, etag: String?, lastModified: Double?) -> Outcome {
        let fields = request.headerFields
        let isRead = request.method == .get || request.method == .head
        let lastModified = lastModified.map { $0.rounded(.down) }
        let ifMatch = fields[.ifMatch].map { EntityTag.parseList($0) }
        let ifNoneMatch = fields[.ifNoneMatch].map { EntityTag.parseList($0) }

        // 1. If-Match: strong comparison; "*" passes whenever there is an ETag.
        if let ifMatch {
            guard let etag else { return .preconditionFailed }
            if !ifMatch.contains("*") {
                if EntityTag.isWeak(etag) || !ifMatch.contains(where: { $0 == etag && !EntityTag.isWeak($0) }) {
                    return .preconditionFailed
                }
            }
        } else if let since = fields[.ifUnmodifiedSince].flatMap({ HTTPDate.parse($0) }) {
            // 2. If-Unmodified-Since, only without If-Match.
            guard let lastModified, lastModified <= since else { return .preconditionFailed }
        }

        // 3. If-None-Match: weak comparison; a match is 304 on reads, 412 otherwise.
        if let ifNoneMatch {
            if let etag, ifNoneMatch.contains(where: { $0 == "*" || EntityTag.weaklyEqual($0, etag) }) {
                return isRead ? .notModified : .preconditionFailed
            }
            if etag == nil, ifNoneMatch.contains("*") {
                // No current representation: "*" does not match.
                return .proceed
            }
        } else if isRead, let since = fields[.ifModifiedSince].flatMap({ HTTPDate.parse($0) }) {
            // 4. If-Modified-Since, only without If-None-Match, GET/HEAD only.
            if let lastModified, lastModified <= since { return .notModified }
        }
        return .proceed
    }

    /// Whether `request` carries any of the preconditions ``evaluate(_:etag:lastModified:)``
    /// reads; without one it proceeds, so a hit need not look up (or parse) the
    /// response's validators.
    static func hasPreconditions(_ request: HTTPRequest) -> Bool {
        let fields = request.headerFields
        return fields[.ifMatch] != nil || fields[.ifNoneMatch] != nil
            || fields[.ifModifiedSince] != nil || fields[.ifUnmodifiedSince] != nil
    }

    /// The fields a 304 keeps from the response it stands for: Cache-Control,
    /// Content-Location, Date, ETag, Expires, Last-Modified, Vary, and every
    /// Set-Cookie.
    public static func notModifiedFields(from fields: HTTPFields) -> HTTPFields {
        let kept: Set<HTTPField.Name> = [.cacheControl, .contentLocation, .date, .eTag, .expires, .lastModified, .vary, .setCookie]
        return HTTPFields(fields.filter { kept.contains($0.name) })
    }

    /// Django's 412: an empty `HttpResponse(status=412)`, which carries
    /// Django's default `Content-Type` and nothing of the original response.
    public static let preconditionFailedResponse = HTTPResponse(
        status: .preconditionFailed, headerFields: [.contentType: "text/html; charset=utf-8"])

    /// The answer to a conditional request for a response: `nil` to send the
    /// response as it is, else a 304 (with ``notModifiedFields(from:)``) or an
    /// empty 412 (``preconditionFailedResponse``). Non-2xx responses are never replaced.
    public static func answer(_ request: HTTPRequest, to response: HTTPResponse) -> HTTPResponse? {
        guard (200..<300).contains(response.status.code), hasPreconditions(request) else { return nil }
        let etag = response.headerFields[.eTag]
        let lastModified = response.headerFields[.lastModified].flatMap { HTTPDate.parse($0) }
        guard etag != nil || lastModified != nil else { return nil }
        switch evaluate(request, etag: etag, lastModified: lastModified) {
        case .proceed: return nil
        case .notModified: return HTTPResponse(status: .notModified, headerFields: notModifiedFields(from: response.headerFields))
        case .preconditionFailed: return preconditionFailedResponse
        }
    }
}
