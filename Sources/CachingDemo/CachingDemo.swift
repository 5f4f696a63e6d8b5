import ArgumentParser
import Foundation
import Caching
import CachingBackends
import CachingDemoContent
import CachingDemoSite
import CachingMetricsEndpoint
import HTTPCaching
import Hummingbird
import HummingbirdCaching
import Logging

/// `caching-demo`: a Hummingbird site that shows each part of swift-caching.
///
/// Runs with no arguments on the memory backend; `--settings caches.json`
/// loads any configured backends (the same file `cachectl` reads).
@main
struct CachingDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caching-demo",
        abstract: "The swift-caching demo site.")

    @Option(help: "Address to listen on.")
    var hostname = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "A settings JSON file with a \"caches\" section (default: one memory cache).")
    var settings: String?

    @Flag(help: "Print the Varnish vcl_hash for the demo's URL policies and exit.")
    var printVcl = false

    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        // Every start-up error is one line naming the file, the JSON path and
        // what to fix, and exit status 1 (not ArgumentParser's usage text).
        do {
            try await serve()
        } catch {
            StartupErrorLine.report(error, settingsFile: settings)
            throw ExitCode.failure
        }
    }

    private func serve() async throws {
        var logger = Logger(label: "caching-demo")
        logger.logLevel = .info
        let metricsEndpoint = printVcl ? nil : metrics.bootstrap()
        let loaded = try settings.map { try CacheSettings.load(contentsOf: $0) } ?? .default
        let caches = try Caches(settings: loaded, registry: .allBackends, logger: logger)
        if printVcl {
            print(CacheHeaders(configuration: try DemoSite.policyConfiguration(caches.settings)).varnishHashVCL())
            return
        }
        // The page cache's mode comes from the settings' "httpCache" section
        // (Django's rules by default; "shared" for RFC 9111). The demo shows its
        // debug headers unless the settings say otherwise.
        var httpCache = try HTTPCacheSettings(document: caches.settings.document)
        if caches.settings.document["httpCache"]?["debugHeaders"] == nil { httpCache.debugHeaders = true }
        let router = try DemoSite(caches: caches).router()
        // With "useI18N": true the page keys end in the request's language.
        let responder = try CachingResponder(router.buildResponder(), settings: httpCache, caches: caches, language: DemoPages.language)
        logger.info("page cache: \(httpCache.mode.rawValue) mode on cache '\(httpCache.cache)'")
        // Cache hits are answered at the connection, before the router.
        var app = Application(
            responder: metrics.responder(responder, endpoint: metricsEndpoint),
            server: .http1(servingHitsFrom: responder, serverName: "caching-demo"),
            configuration: .init(address: .hostname(hostname, port: port), serverName: "caching-demo"),
            onServerRunning: { _ in print("caching-demo: serving http://\(hostname):\(port)/ (Ctrl-C to stop)") },
            logger: logger)
        // SIGTERM: the server drains its requests in flight, then the caches close.
        app.addServices(CachesService(caches, logger: logger))
        let service = app
        try await metrics.runAlongside(metricsEndpoint, host: hostname) { try await service.runService() }
    }
}
