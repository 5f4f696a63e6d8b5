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
    /// Header fields as (name, value) pairs, in order.
    public var fields: [[String]]
    /// The body.
    public var body: Data
    /// The request's values of the fields named by `Vary`, normalised, by
    /// lower-cased field name (`nil`: the request did not send the field).
    public var varyValues: [String: String?]
    /// When the request that fetched (or last validated) it was sent, in seconds.
    public var requestTime: Double
    /// When its response arrived, in seconds.
    public var responseTime: Double

    /// Wraps a response and its timing.
    public init(
        response: HTTPResponse, body: [UInt8], varyValues: [String: String?],
        requestTime: Double, responseTime: Double
    ) {
        self.status = response.status.code
        self.reasonPhrase = response.status.reasonPhrase
        self.fields = response.headerFields.map { [$0.name.rawName, $0.value] }
        self.body = Data(body)
        self.varyValues = varyValues
        self.requestTime = requestTime
        self.responseTime = responseTime
    }

    /// The header fields.
    public var headerFields: HTTPFields {
        get {
            var result = HTTPFields()
            for pair in fields where pair.count == 2 {
                if let name = HTTPField.Name(pair[0]) { result.append(HTTPField(name: name, value: pair[1])) }
            }
            return result
        }
        set {
            fields = newValue.map { [$0.name.rawName, $0.value] }
        }
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
}
