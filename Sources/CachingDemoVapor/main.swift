#if Vapor
import Caching
import CachingBackends
import CachingDemoContent
import CachingDemoVaporSite
import Foundation
import HTTPCaching
import Vapor
import VaporCaching

// `caching-demo-vapor`: the pages of `caching-demo` on Vapor 4.
//
//   swift run --traits Vapor caching-demo-vapor [--settings caches.json] [serve --port 8080]
//
// `--settings` names the same settings file `caching-demo` reads; the rest of
// the command line is Vapor's own (`serve --hostname --port`).
var arguments = CommandLine.arguments
var settingsFile: String?
if let index = arguments.firstIndex(of: "--settings") {
    guard index + 1 < arguments.count else {
        StartupErrorLine.report(CacheConfigurationError("--settings needs a file name"), settingsFile: nil)
        exit(1)
    }
    settingsFile = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
}

do {
    var environment = try Environment.detect(arguments: arguments)
    try LoggingSystem.bootstrap(from: &environment)
    let app = try await Application.make(environment)
    do {
        // Every start-up error is one line naming the file, the JSON path and
        // what to fix, and exit status 1 — as in caching-demo.
        try app.caches.configure(settings: settingsFile.map { try CacheSettings.load(contentsOf: $0) } ?? .default, registry: .allBackends)
        app.caches.use(.swiftCaching("default"))
        var httpCache = try app.caches.httpCacheSettings()
        if app.caches.swiftCaching.settings.document["httpCache"]?["debugHeaders"] == nil { httpCache.debugHeaders = true }
        // With "useI18N": true the page keys end in the request's language.
        app.middleware.use(try CachingMiddleware(settings: httpCache, caches: app.caches.swiftCaching, language: DemoPages.language))
        try VaporDemoSite(caches: app.caches.swiftCaching).register(on: app)
        app.logger.info("page cache: \(httpCache.mode.rawValue) mode on cache '\(httpCache.cache)'")
    } catch {
        StartupErrorLine.report(error, settingsFile: settingsFile)
        try await app.asyncShutdown()
        exit(1)
    }
    try await app.execute()
    try await app.asyncShutdown()
} catch {
    StartupErrorLine.report(error, settingsFile: settingsFile)
    exit(1)
}
#else
import Foundation

print("caching-demo-vapor is built with the package's Vapor trait: swift run --traits Vapor caching-demo-vapor")
exit(1)
#endif
