import Foundation
import HTTPTypes

/// A response as the shared cache keeps it: status, header fields and body, the
/// request header values it was selected by (its `Vary` fields), and the two
/// times the Age calculation of RFC 9111 §4.2.3 needs.
///
/// Codable so that any cache backend can hold it; the body is `Data` so that
/// text coders write it compactly (base64), not as a list of numbers.
public struct StoredHTTPResponse: Codable, Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// The status text.
    public var reasonPhrase: String
    /// The header fields.
    public var headerFields: HTTPFields
    /// The body.
    public var body: [UInt8]
    /// The request's values of the fields named by `Vary`, normalised, by
    /// lower-cased field name (`nil`: the request did not send the field).
    public var varyValues: [String: String?]
    /// When the request that fetched (or last validated) it was sent, in seconds.
    public var requestTime: Double
    /// When its response arrived, in seconds.
    public var responseTime: Double
    /// The tags it was stored with (``CacheTagHeader``); `nil`: none.
    public var tags: [String]?

    /// Wraps a response and its timing.
    public init(
        response: HTTPResponse, body: [UInt8], varyValues: [String: String?],
        requestTime: Double, responseTime: Double
    ) {
        self.status = response.status.code
        self.reasonPhrase = response.status.reasonPhrase
        self.headerFields = response.headerFields
        self.body = body
        self.varyValues = varyValues
        self.requestTime = requestTime
        self.responseTime = responseTime
    }

    /// The stored response as an `HTTPResponse` (without `Age`, which the cache adds).
    public var response: HTTPResponse {
        HTTPResponse(status: .init(code: status, reasonPhrase: reasonPhrase), headerFields: headerFields)
    }

    /// The response's `Cache-Control` directives.
    public var directives: CacheDirectives { CacheDirectives(headerFields) }

    /// The strong or weak entity tag, verbatim.
    public var entityTag: String? { headerFields[.eTag] }

    /// The `Last-Modified` value, verbatim.
    public var lastModified: String? { headerFields[.lastModified] }

    // Coded with fields as name/value pairs and the body as `Data` (base64 in JSON).
    enum CodingKeys: String, CodingKey {
        case status, reasonPhrase, fields, body, varyValues, requestTime, responseTime, tags
    }

    /// Decodes a stored response; an unknown field name, a status that is not
    /// three digits (`HTTPResponse.Status` would trap on it) or a time that is
    /// not finite is a decoding error: stored bytes may be corrupt or foreign.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(Int.self, forKey: .status)
        guard (0...999).contains(status) else {
            throw DecodingError.dataCorruptedError(forKey: .status, in: container, debugDescription: "status \(status) is not three digits")
        }
        reasonPhrase = try container.decode(String.self, forKey: .reasonPhrase)
        var fields = HTTPFields()
        for pair in try container.decode([[String]].self, forKey: .fields) {
            guard pair.count == 2, let name = HTTPField.Name(pair[0]) else {
                throw DecodingError.dataCorruptedError(forKey: .fields, in: container, debugDescription: "not a header field: \(pair)")
            }
            fields.append(HTTPField(name: name, value: pair[1]))
        }
        headerFields = fields
        body = Array(try container.decode(Data.self, forKey: .body))
        varyValues = try container.decode([String: String?].self, forKey: .varyValues)
        requestTime = try container.decode(Double.self, forKey: .requestTime)
        responseTime = try container.decode(Double.self, forKey: .responseTime)
        tags = try container.decodeIfPresent([String].self, forKey: .tags)
        guard requestTime.isFinite, responseTime.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .responseTime, in: container, debugDescription: "the stored times are not finite")
        }
    }

    /// Encodes the response.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(reasonPhrase, forKey: .reasonPhrase)
        try container.encode(headerFields.map { [$0.name.rawName, $0.value] }, forKey: .fields)
        try container.encode(Data(body), forKey: .body)
        try container.encode(varyValues, forKey: .varyValues)
        try container.encode(requestTime, forKey: .requestTime)
        try container.encode(responseTime, forKey: .responseTime)
        try container.encodeIfPresent(tags, forKey: .tags)
    }
}
