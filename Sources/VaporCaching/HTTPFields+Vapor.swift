#if Vapor
import HTTPTypes
import NIOHTTP1
import Vapor

extension HTTPFields {
    /// Vapor's (NIO's) header list as swift-http-types fields, in order. A
    /// name that is not a valid field name cannot come from NIO's parser; one
    /// that an app added by hand is left out, as it could not be sent either.
    public init(_ headers: HTTPHeaders) {
        self.init()
        reserveCapacity(headers.count)
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { append(HTTPField(name: name, value: value)) }
        }
    }
}

extension HTTPHeaders {
    /// swift-http-types fields as Vapor's (NIO's) header list, in order.
    public init(_ fields: HTTPFields) {
        self.init()
        reserveCapacity(fields.count)
        for field in fields { add(name: field.name.rawName, value: field.value) }
    }
}

extension HTTPField.Name {
    /// `Host`: Vapor keeps it among the fields, swift-http-types as the
    /// request's authority (its `.host` constant is unavailable for that reason).
    static let hostField = HTTPField.Name("Host")
}

extension HTTPResponse.Status {
    /// Vapor's status.
    init(_ status: HTTPResponseStatus) {
        self.init(code: Int(status.code), reasonPhrase: status.reasonPhrase)
    }
}

extension HTTPResponseStatus {
    /// A swift-http-types status as Vapor's.
    init(_ status: HTTPResponse.Status) {
        self.init(statusCode: status.code, reasonPhrase: status.reasonPhrase)
    }
}

extension Vapor.Request {
    /// The request head as the framework-free core sees it, with a scheme and
    /// the `Host` header as authority, as cache keys need an absolute URL.
    public var cacheHead: HTTPRequest {
        let method = HTTPRequest.Method(self.method.rawValue) ?? .get
        var fields = HTTPFields(headers)
        let authority = HTTPField.Name.hostField.flatMap { fields[$0] }
        if let host = HTTPField.Name.hostField { fields[host] = nil }
        return HTTPRequest(method: method, scheme: url.scheme ?? "http", authority: authority, path: url.string, headerFields: fields)
    }
}

extension Vapor.Response {
    /// The status and header fields, without reading the body.
    public var cacheHead: HTTPResponse {
        HTTPResponse(status: HTTPResponse.Status(status), headerFields: HTTPFields(headers))
    }
}
#endif
