// vapor-bench-server MODE PORT
//   plain   a Vapor route returning a 2 KB page
//   cached  the same route behind the site-wide page cache as the README sets
//           it up: CachingMiddleware in django mode (update, conditional GET,
//           fetch; memory backend)
// Vapor's default middleware (route logging, errors) stays in both modes,
// with logging at error level, as an app would run in production.
import Caching
import HTTPCaching
import Vapor
import VaporCaching

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "plain"
let port = arguments.count > 2 ? Int(arguments[2]) ?? 8081 : 8081
let page = "<!doctype html><html><body><p>" + String(repeating: "swift-caching ", count: 144) + "</p></body></html>\n"

var environment = Environment.production
environment.arguments = [arguments[0]]
let app = try await Application.make(environment)
app.logger.logLevel = .error
app.http.server.configuration.hostname = "127.0.0.1"
app.http.server.configuration.port = port
if mode == "cached" {
    try app.caches.configure(settings: CacheSettings(caches: ["default": CacheConfiguration(
        backend: "memory", location: "bench", options: ["maxEntries": .number(10_000)])]))
    app.middleware.use(try CachingMiddleware(settings: HTTPCacheSettings(), caches: app.caches.swiftCaching))
}
app.get("page") { _ in
    Response(status: .ok, headers: ["Content-Type": "text/html"], body: .init(string: page))
}
try await app.execute()
try await app.asyncShutdown()
