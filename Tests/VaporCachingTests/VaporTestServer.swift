#if Vapor
import AsyncHTTPClient
import Caching
import CachingTestSupport
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Vapor
import VaporCaching

/// A Vapor app on a real server on a free loopback port, and a client that
/// passes responses through as the server sent them (no redirects followed,
/// no decompression), so tests see what a browser or a proxy would.
struct VaporTestServer {
    let app: Application
    let port: Int
    let client: HTTPClient

    /// Configures and starts an app; call ``stop()`` when done.
    static func start(_ configure: (Application) async throws -> Void) async throws -> VaporTestServer {
        let app = try await Application.make(.testing)
        do {
            try await configure(app)
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else {
                throw CacheConfigurationError("the Vapor test server did not report its port")
            }
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
            configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
            return VaporTestServer(app: app, port: port, client: HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: configuration))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// Sends one request.
    func send(_ method: HTTPRequest.Method, _ path: String, _ fields: HTTPFields = [:]) async throws -> SiteReply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers = HTTPHeaders(fields)
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 << 20)
        return SiteReply(status: Int(response.status.code), fields: HTTPFields(response.headers), body: Array(body.readableBytesView))
    }

    /// Stops the server and the client (the client first; the app is shut
    /// down even when the client's shutdown fails).
    func stop() async throws {
        let clientError: (any Error)?
        do { try await client.shutdown(); clientError = nil } catch { clientError = error }
        await app.server.shutdown()
        try await app.asyncShutdown()
        if let clientError { throw clientError }
    }

    /// `body`'s result; the server and client are stopped whether it throws
    /// or not (a client left running crashes the test process at deinit).
    func stopping<T>(after body: (VaporTestServer) async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body(self)
        } catch {
            try? await stop()
            throw error
        }
        try await stop()
        return result
    }
}

/// Caches on a memory location of their own (memory locations are process-wide).
func isolatedCaches() throws -> Caches {
    try Caches(settings: CacheSettings(caches: ["default": CacheConfiguration(backend: "memory", location: "vapor-" + UUID().uuidString)]))
}
#endif
