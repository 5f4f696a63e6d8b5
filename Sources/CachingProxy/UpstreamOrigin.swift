import AsyncHTTPClient
import Foundation
import HTTPCaching
import HTTPTypes
import HummingbirdCaching
import NIOCore
import NIOHTTP1

/// The origin behind `caching-proxy`: forwards a request to an upstream HTTP
/// server with AsyncHTTPClient and hands its response back as it streams in.
///
/// Hop-by-hop fields (RFC 9110 §7.6.1: `Connection`, the fields it names,
/// `Keep-Alive`, `Transfer-Encoding`, ...) are dropped in both directions; the
/// proxy adds `Via` and `X-Forwarded-*`. Request bodies are streamed upstream,
/// response bodies downstream; the shared cache buffers only what it stores.
public struct UpstreamOrigin: Sendable {
    /// The upstream's scheme, host and port, such as `http://127.0.0.1:8000`.
    public let baseURL: String
    /// How long a request to the upstream may take, head and body.
    public let timeout: TimeAmount
    let client: HTTPClient

    /// An origin at `baseURL` (any path in it is a prefix of every request's path).
    public init(baseURL: String, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.client = client
        self.timeout = timeout
    }

    /// The value this proxy adds to `Via`.
    public static let via = "1.1 swift-caching"

    /// Forwards `request` (with `body`) and returns the upstream's response.
    @Sendable
    public func respond(_ request: HTTPRequest, _ body: HTTPCacheBody) async throws -> HTTPCacheResponse {
        var outgoing = HTTPClientRequest(url: baseURL + (request.path ?? "/"))
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        let dropped = Self.droppedFields(request.headerFields)
        for field in request.headerFields where !dropped.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.add(name: "Via", value: Self.via)
        if let authority = request.authority { outgoing.headers.replaceOrAdd(name: "X-Forwarded-Host", value: authority) }
        outgoing.headers.replaceOrAdd(name: "X-Forwarded-Proto", value: request.scheme ?? "http")
        switch body {
        case .buffered(let bytes):
            if !bytes.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: bytes)) }
        case .stream(let stream):
            let length: HTTPClientRequest.Body.Length =
                request.headerFields[.contentLength].flatMap { Int($0) }.map { .known(Int64($0)) } ?? .unknown
            outgoing.body = .stream(stream.map { ByteBuffer(bytes: $0) }, length: length)
        }

        let response = try await client.execute(outgoing, timeout: timeout)
        var fields = HTTPFields()
        var responseFields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { responseFields.append(HTTPField(name: name, value: header.value)) }
        }
        let droppedResponse = Self.droppedFields(responseFields).union(["content-length"])
        for field in responseFields where !droppedResponse.contains(field.name.canonicalName) { fields.append(field) }
        fields.append(HTTPField(name: .via, value: Self.via))
        let head = HTTPResponse(status: .init(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase), headerFields: fields)
        if request.method == .head { return HTTPCacheResponse(head: head, body: .empty) }
        return HTTPCacheResponse(head: head, body: .stream(AsyncThrowingStream(byteBuffers: response.body)))
    }

    /// Hop-by-hop fields of a message: the fixed list and those its `Connection` names.
    static func droppedFields(_ fields: HTTPFields) -> Set<String> {
        var dropped = Set(SharedHTTPCache.hopByHopFields)
        for value in fields[values: .connection] {
            for name in value.split(separator: ",") {
                dropped.insert(name.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return dropped
    }
}

extension HTTPField.Name {
    /// `Via` (RFC 9110 §7.6.3).
    static let via = HTTPField.Name("Via") ?? .server
}
