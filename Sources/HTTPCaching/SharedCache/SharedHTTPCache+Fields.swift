import HTTPTypes

extension SharedHTTPCache {
    /// RFC 9211's response field.
    static let cacheStatusField = HTTPField.Name("Cache-Status") ?? .cacheControl

    /// The request fields that make a request conditional.
    static let conditionalFields: [HTTPField.Name] = [.ifNoneMatch, .ifModifiedSince, .ifMatch, .ifUnmodifiedSince, .ifRange]

    /// Hop-by-hop fields (RFC 9110 §7.6.1), never stored or forwarded.
    public static let hopByHopFields: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization", "trailer",
    ]

    /// The fields a 304 carries over from the response it stands for (RFC 9110 §15.4.5).
    static let notModifiedFields: [HTTPField.Name] = [
        .contentLocation, .date, .eTag, .vary, .cacheControl, .expires, .lastModified, .age,
    ]

    /// The fields a 304 may not replace in a stored response (RFC 9111 §3.2).
    static let unfreshenedFields: Set<String> = ["content-length", "content-encoding", "content-type", "content-range"]

    /// Status codes whose caching rules this cache implements, for
    /// `must-understand` (RFC 9111 §5.2.2.3): the final codes RFC 9110 §15 defines.
    static let understoodStatuses: Set<Int> = Set(200...206).union(300...305).union(307...308)
        .union(400...417).union(421...426).union(500...505)

    /// Origin answers that a stale response may stand in for when allowed
    /// (RFC 5861 §4 names 500, 502, 503 and 504).
    static let staleOnErrorStatuses: Set<Int> = [500, 502, 503, 504]

    /// The response with a `Date` added when the origin sent none: RFC 9110
    /// §6.6.1 asks a recipient with a clock to add the time it received the
    /// response before caching or forwarding it. A `Date` that is present is
    /// never replaced (it is the origin's, and the Age calculation needs it).
    static func dated(_ head: HTTPResponse, at seconds: Double) -> HTTPResponse {
        guard head.headerFields[.date] == nil else { return head }
        var head = head
        head.headerFields[.date] = HTTPDate.format(seconds)
        return head
    }

    /// Whether two responses carry the same validators (RFC 9111 §4.3.5): the
    /// same strong entity tag, or, without one, the same `Last-Modified`.
    static func sameValidators(_ new: HTTPFields, _ stored: HTTPFields) -> Bool {
        if let etag = new[.eTag] ?? stored[.eTag] {
            return !etag.hasPrefix("W/") && new[.eTag] == stored[.eTag]
        }
        if let modified = new[.lastModified] { return modified == stored[.lastModified] }
        return false
    }

    /// The request's target as a cache key: scheme, authority, path and query.
    static func uri(of request: HTTPRequest) -> String {
        let scheme = request.scheme ?? "http", authority = request.authority ?? "", path = request.path ?? "/"
        // One allocation, sized up front: every hit at the connection builds it.
        var uri = ""
        uri.reserveCapacity(scheme.utf8.count + 3 + authority.utf8.count + path.utf8.count)
        uri += scheme
        uri += "://"
        uri += authority
        uri += path
        return uri
    }

    /// `uri` resolved against the request's origin when it is on the same origin
    /// (RFC 9111 §4.4: other origins are never invalidated); else `nil`.
    static func resolve(_ reference: String, against request: HTTPRequest) -> String? {
        let scheme = request.scheme ?? "http"
        let authority = request.authority ?? ""
        if reference.hasPrefix("/") && !reference.hasPrefix("//") {
            return scheme + "://" + authority + reference
        }
        let origin = scheme + "://" + authority
        if reference.lowercased() == origin.lowercased() { return origin + "/" }
        if reference.lowercased().hasPrefix(origin.lowercased() + "/") {
            return origin + reference.dropFirst(origin.count)
        }
        return nil
    }

    /// A field's request value normalised for `Vary` matching: every line
    /// joined, whitespace around commas removed (`nil` when absent);
    /// `Accept-Language` also in its canonical order and case (``AcceptLanguage``).
    static func normalized(_ fields: HTTPFields, _ name: HTTPField.Name) -> String? {
        let values = fields[values: name]
        guard !values.isEmpty else { return nil }
        let members = values
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingHTTPWhitespace() }
        if name == .acceptLanguage { return AcceptLanguage.normalized(members) }
        return members.joined(separator: ",")
    }

    /// The request's values of the fields a response's `Vary` names.
    static func varyValues(of request: HTTPRequest, vary response: HTTPFields) -> [String: String?] {
        var values: [String: String?] = [:]
        for line in response[values: .vary] {
            for member in line.split(separator: ",") {
                let name = member.trimmingHTTPWhitespace().lowercased()
                guard !name.isEmpty, let fieldName = HTTPField.Name(name) else { continue }
                values[name] = .some(normalized(request.headerFields, fieldName))
            }
        }
        return values
    }

    /// A stored response's fields updated from a 304 (RFC 9111 §3.2 and §4.3.4):
    /// every field of the 304 replaces the stored ones of that name, except the
    /// fields describing the stored body and hop-by-hop fields.
    static func freshen(_ stored: HTTPFields, with update: HTTPFields) -> HTTPFields {
        var replaced: Set<String> = []
        var additions: [HTTPField] = []
        for field in update {
            let name = field.name.canonicalName
            if unfreshenedFields.contains(name) || hopByHopFields.contains(name) { continue }
            replaced.insert(name)
            additions.append(field)
        }
        var result = HTTPFields(stored.filter { !replaced.contains($0.name.canonicalName) })
        result.append(contentsOf: additions)
        return result
    }

    /// Whether the client's own conditional request is satisfied by a stored
    /// response, so the answer is a 304 (RFC 9110 §13.2.2: If-None-Match takes
    /// precedence over If-Modified-Since; weak comparison).
    static func clientConditionsMatch(_ request: HTTPRequest, stored: HTTPFields) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        if let ifNoneMatch = request.headerFields[values: .ifNoneMatch].joined(separator: ",") as String?, !ifNoneMatch.isEmpty {
            guard let etag = stored[.eTag] else { return false }
            let members = ifNoneMatch.split(separator: ",").map { $0.trimmingHTTPWhitespace() }
            return members.contains { $0 == "*" || EntityTag.weaklyEqual($0, etag) }
        }
        if let since = request.headerFields[.ifModifiedSince].flatMap({ HTTPDate.parse($0) }),
           let modified = stored[.lastModified].flatMap({ HTTPDate.parse($0) }) {
            return modified <= since
        }
        return false
    }
}
