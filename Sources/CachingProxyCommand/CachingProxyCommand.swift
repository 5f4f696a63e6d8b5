import ArgumentParser
import Caching
import CachingBackends
import CachingMetricsEndpoint
import CachingProxy
import Foundation
import HTTPCaching
import HTTPTypes
import Logging

/// `caching-proxy`: a reverse proxy that puts swift-caching's shared-cache mode
/// (RFC 9111) in front of any HTTP origin.
@main
struct CachingProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caching-proxy",
        abstract: "A standards HTTP cache (RFC 9111, shared) in front of any HTTP origin.",
        discussion: """
            Example: caching-proxy --listen 127.0.0.1:8080 --upstream http://127.0.0.1:8000 --settings caches.json
            Responses are kept in the settings' cache alias (--cache, default "default"); without settings,
            in memory.
            """)

    @Option(help: "Address to listen on, host:port.")
    var listen = "127.0.0.1:8080"

    @Option(help: "The origin's base URL, such as http://127.0.0.1:8000.")
    var upstream: String

    @Option(help: "A settings JSON file with a \"caches\" section.")
    var settings: String?

    @Option(help: "The cache alias responses are kept in.")
    var cache = "default"

    @Flag(help: "Add a Cache-Status header (RFC 9211) to every response.")
    var cacheStatus = false

    @Option(help: "Responses with larger bodies are passed through, not stored.")
    var maxBodyBytes = 8 << 20

    @Option(help: "Seconds a stale response is kept for revalidation.")
    var staleRetention: Double = 86_400

    @Option(help: "Seconds a request to the upstream may take.")
    var upstreamTimeout: Int64 = 30

    @Option(
        name: .customLong("targeted-field"),
        help: """
            A targeted cache-control field this cache obeys instead of Cache-Control (RFC 9213), first given \
            first; repeat for several. Default: CDN-Cache-Control. "none" disables targeted fields.
            """)
    var targetedFields: [String] = []

    @Flag(help: "Serve stale responses only where stale-if-error allows, not whenever the upstream fails (RFC 9111 §4.2.4).")
    var noStaleOnError = false

    @Option(help: "Bytes of fresh responses kept in memory and answered at the connection (0: off).")
    var hotStoreBytes = HTTPCacheSettings.defaultHotStoreBytes

    @Option(help: "Seconds a response stays in that memory tier: how stale a proxy may be after another one sharing the backend changes it.")
    var hotStoreStaleness: Double = 1

    @OptionGroup var metrics: MetricsOptions

    func validate() throws {
        guard Self.hostAndPort(listen) != nil else {
            throw ValidationError("--listen must be host:port, such as 127.0.0.1:8080 (got \"\(listen)\")")
        }
        guard upstream.hasPrefix("http://") || upstream.hasPrefix("https://") else {
            throw ValidationError("--upstream must be an http:// or https:// URL (got \"\(upstream)\")")
        }
        _ = try targetedFieldNames()
        guard hotStoreBytes >= 0 else { throw ValidationError("--hot-store-bytes must be 0 or more (got \(hotStoreBytes))") }
        guard hotStoreStaleness >= 0, hotStoreStaleness.isFinite else {
            throw ValidationError("--hot-store-staleness must be a number of seconds, 0 or more (got \(hotStoreStaleness))")
        }
    }

    /// The `--targeted-field` names as field names.
    func targetedFieldNames() throws -> [HTTPField.Name] {
        if targetedFields.isEmpty { return [.cdnCacheControl] }
        if targetedFields == ["none"] { return [] }
        return try targetedFields.map { text in
            guard let name = HTTPField.Name(text) else {
                throw ValidationError("--targeted-field must be a header field name such as CDN-Cache-Control (got \"\(text)\")")
            }
            return name
        }
    }

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
        guard let (host, port) = Self.hostAndPort(listen) else {
            throw ValidationError("--listen must be host:port, such as 127.0.0.1:8080 (got \"\(listen)\")")
        }
        let logger = Logger(label: "caching-proxy")
        let metricsEndpoint = metrics.bootstrap()
        let loaded = try settings.map { try CacheSettings.load(contentsOf: $0) } ?? .default
        let caches = try Caches(settings: loaded, registry: .allBackends, logger: logger)
        var server = CachingProxyServer(
            host: host, port: port,
            upstream: UpstreamOrigin(baseURL: upstream, timeout: .seconds(upstreamTimeout)),
            cache: try caches[cache],
            configuration: SharedCacheConfiguration(
                staleRetention: staleRetention, maxBodyBytes: maxBodyBytes, cacheStatus: cacheStatus,
                targetedFields: try targetedFieldNames(), staleOnError: !noStaleOnError),
            hotStoreBytes: hotStoreBytes, hotStoreStaleness: hotStoreStaleness,
            logger: logger)
        server.metrics = metrics.mainPortEndpoint(metricsEndpoint)
        logger.info("caching-proxy: http://\(host):\(port) -> \(upstream)")
        // SIGTERM: the server drains its requests in flight, then the caches close.
        let service = server.service()
        try await metrics.runAlongside(metricsEndpoint, host: host) { try await service.runService(caches: caches) }
    }

    static func hostAndPort(_ value: String) -> (String, Int)? {
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        let host = String(value[..<colon])
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}
