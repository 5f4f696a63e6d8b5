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
/// A proxy passes messages through unchanged except where RFC 9110 and 9111
/// say otherwise, so the client is configured as a proxy's must be (see
/// ``proxyConfiguration``): redirects reach the client unfollowed with their
/// `Location`, bodies keep their `Content-Encoding` byte for byte, and nothing
/// is added to a request but `Via`, `X-Forwarded-Host` and `X-Forwarded-Proto`
/// (plus the `Host` of the upstream and the body's framing, which HTTP/1.1
/// needs). Hop-by-hop fields (RFC 9110 §7.6.1: `Connection`, the fields it
/// names, `Keep-Alive`, `Transfer-Encoding`, ...) are dropped in both
/// directions. Request bodies are streamed upstream, response bodies
/// downstream; the shared cache buffers only what it stores.
public struct UpstreamOrigin: Sendable {
    /// The upstream's scheme, host and port, such as `http://127.0.0.1:8000`.
    public let baseURL: String
    /// How long a request to the upstream may take, head and body.
    public let timeout: TimeAmount
    let client: HTTPClient

    /// An origin at `baseURL` (any path in it is a prefix of every request's
    /// path). `client` must be configured like ``proxyConfiguration``; the
    /// default is one such client shared by the process.
    public init(baseURL: String, client: HTTPClient = UpstreamOrigin.sharedClient, timeout: TimeAmount = .seconds(30)) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.client = client
        self.timeout = timeout
    }

    /// AsyncHTTPClient's settings for a proxy. Its own defaults (and
    /// `HTTPClient.shared`'s) suit a browser-like client instead: following
    /// redirects would answer a `302` with its target's body as a `200`, and
    /// decompression would hand on a decoded body under the origin's
    /// `Content-Encoding: gzip`. Idle upstream connections are closed after
    /// 4 s, before common servers close theirs (Node.js and Apache after 5 s):
    /// a request sent on a connection the server is closing fails, and one
    /// with a streamed body cannot be sent again.
    public static var proxyConfiguration: HTTPClient.Configuration {
        HTTPClient.Configuration(
            tlsConfiguration: nil, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(4)), proxy: nil, ignoreUncleanSSLShutdown: false,
            decompression: .disabled)
    }

    /// The process's client for upstreams, configured by ``proxyConfiguration``.
    /// It lives as long as the process (a global is never deinitialised, so
    /// it needs no shutdown).
    public static let sharedClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: proxyConfiguration)

    /// The value this proxy adds to `Via`.
    public static let via = "1.1 swift-caching"

    /// Forwards `request` (with `body`) and returns the upstream's response.
    @Sendable
    public func respond(_ request: HTTPRequest, _ body: HTTPCacheBody) async throws -> HTTPCacheResponse {
        var outgoing = HTTPClientRequest(url: baseURL + (request.path ?? "/"))
        outgoing.method = Self.wireMethod(request.method)
        let dropped = Self.droppedFields(request.headerFields)
        for field in request.headerFields where !dropped.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.add(name: "Via", value: Self.via)
        if let authority = request.authority, !authority.isEmpty {
            outgoing.headers.replaceOrAdd(name: "X-Forwarded-Host", value: authority)
        }
        outgoing.headers.replaceOrAdd(name: "X-Forwarded-Proto", value: request.scheme ?? "http")
        switch body {
        case .buffered(let bytes):
            if !bytes.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: bytes)) }
        case .stream(let stream):
            let length: HTTPClientRequest.Body.Length =
                request.headerFields[.contentLength].flatMap { Int($0) }.map { .known(Int64($0)) } ?? .unknown
            outgoing.body = .stream(stream.map { ByteBuffer(bytes: $0) }, length: length)
        }

        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: timeout)
        } catch where Self.mayRetry(request.method, body: body, after: error) {
            // The upstream closed a kept-alive connection as the request went
            // out on it: send it once more, on a new connection.
            response = try await client.execute(outgoing, timeout: timeout)
        }
        var responseFields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { responseFields.append(HTTPField(name: name, value: header.value)) }
        }
        // A body's length is the server's to frame again, except for a HEAD,
        // whose Content-Length describes the GET's body (RFC 9110 §8.6).
        var droppedResponse = Self.droppedFields(responseFields)
        if request.method != .head { droppedResponse.insert("content-length") }
        var fields = HTTPFields(responseFields.filter { !droppedResponse.contains($0.name.canonicalName) })
        fields.append(HTTPField(name: .via, value: Self.via))
        let head = HTTPResponse(status: .init(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase), headerFields: fields)
        if request.method == .head { return HTTPCacheResponse(head: head, body: .empty) }
        return HTTPCacheResponse(head: head, body: .stream(AsyncThrowingStream(byteBuffers: response.body)))
    }

    /// Whether a request that failed with `error` is sent again: only once,
    /// only an idempotent method without a streamed body (RFC 9110 §9.2.2 lets
    /// a client, proxies included, retry those when "the underlying connection
    /// closed before a response was received"), and only after the connection
    /// was closed or reset or its reply did not parse — an upstream that closes
    /// idle kept-alive connections (Node.js after 5 s, Apache after 5 s) races
    /// with reuse.
    static func mayRetry(_ method: HTTPRequest.Method, body: HTTPCacheBody, after error: any Error) -> Bool {
        guard [.get, .head, .options, .put, .delete, .trace].contains(method) else { return false }
        if case .stream = body { return false }
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        if let error = error as? ChannelError { return error == .ioOnClosedChannel }
        // A reply that does not parse on a reused connection: usually bytes an
        // earlier response left behind (a body sent after a 304 or a HEAD).
        return error is IOError || error is HTTPParserError
    }

    /// The method as it goes on the wire. SwiftNIO's HTTP/1 parser reads
    /// `M-SEARCH` as its `.MSEARCH` case, which reaches HTTPTypes as `MSEARCH`
    /// and which NIO's encoder would write as `MSEARCH` — a different method,
    /// refused by servers. NIO's parser accepts no method spelled `MSEARCH`,
    /// so that name always stands for `M-SEARCH`. Every other method keeps its
    /// name (NIO writes its known methods and `.RAW` ones verbatim).
    static func wireMethod(_ method: HTTPRequest.Method) -> HTTPMethod {
        if method.rawValue == "MSEARCH" { return .RAW(value: "M-SEARCH") }
        return HTTPMethod(rawValue: method.rawValue)
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
