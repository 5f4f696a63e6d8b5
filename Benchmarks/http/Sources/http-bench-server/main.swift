// http-bench-server MODE PORT
//   plain   a Hummingbird route returning a 2 KB page
//   cached  the same route behind the site-wide page cache as the README sets it
//           up: CachingResponder in django mode (update, conditional GET, fetch;
//           memory backend), hits answered at the connection
//           (.http1(servingHitsFrom:))
//   cached-full  the same without hits at the connection (every hit through
//           Hummingbird's request path)
//   cached-metrics  `cached` with metrics on: MetricsSystem bootstrapped with
//           swift-prometheus, so every hit bumps a Prometheus counter
//   origin  the plain route with Cache-Control: public, max-age=3600 (for proxies)
// Environment: BENCH_EVENT_LOOPS=N, N event loops instead of one per core (for
// a server pinned to fewer cores than the machine has: two loops time-sliced
// on one core make a connection wait out the other loop's slice).
import Caching
import Foundation
import HTTPCaching
import Hummingbird
import HummingbirdCaching
import Logging
import Metrics
import NIOCore
import Prometheus

if let loops = ProcessInfo.processInfo.environment["BENCH_EVENT_LOOPS"].flatMap({ Int($0) }) {
    NIOSingletons.groupLoopCountSuggestion = loops
}
let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "plain"
let port = arguments.count > 2 ? Int(arguments[2]) ?? 8081 : 8081
let page = ByteBuffer(string: "<!doctype html><html><body><p>" + String(repeating: "swift-caching ", count: 144) + "</p></body></html>\n")

let router = Router()
let headers: HTTPFields = mode == "origin" ? [.contentType: "text/html", .cacheControl: "public, max-age=3600"] : [.contentType: "text/html"]
router.get("/page") { _, _ in Response(status: .ok, headers: headers, body: .init(byteBuffer: page)) }

var logger = Logger(label: "http-bench-server")
logger.logLevel = .error
let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: port))
if mode == "cached-metrics" {
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
}
if mode == "cached" || mode == "cached-full" || mode == "cached-metrics" {
    let caches = try Caches(settings: CacheSettings(caches: ["default": CacheConfiguration(
        backend: "memory", location: "bench", options: ["maxEntries": .number(10_000)])]))
    let responder = try CachingResponder(router.buildResponder(), settings: HTTPCacheSettings(), caches: caches)
    if mode == "cached" || mode == "cached-metrics" {
        try await Application(responder: responder, server: .http1(servingHitsFrom: responder), configuration: configuration, logger: logger)
            .runService()
    } else {
        try await Application(responder: responder, configuration: configuration, logger: logger).runService()
    }
} else {
    try await Application(router: router, configuration: configuration, logger: logger).runService()
}
