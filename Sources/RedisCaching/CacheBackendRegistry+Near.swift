import Caching
import NIOCore

extension CacheBackendRegistry {
    /// Makes the near cache available to settings as `near`: a bounded memory
    /// tier in each process over another alias, kept coherent across
    /// instances by Redis pub/sub (``RedisInvalidationChannel``; see
    /// `NearCacheBackend` for the rules and the staleness bound).
    ///
    /// Options: `over` (required: the alias whose backend holds the entries),
    /// `invalidation` (required: a `redis://` URL every instance reaches),
    /// `channel` (the pub/sub channel, default `swift-caching:near`),
    /// `maxEntries` (10,000), `maxBytes`, `staleness` (seconds, 5: no copy is
    /// served longer), `heartbeat` (seconds, 1: a silent drop is noticed
    /// within two), and `failureMode` (`"error"`, or `"miss"` to go on when
    /// an invalidation cannot be published). The alias's `keyPrefix`,
    /// `version` and `timeout` are its own, as for any alias.
    ///
    /// ```json
    /// { "caches": {
    ///     "default": { "backend": "redis", "location": "redis://10.0.0.1:6379/0" },
    ///     "near": { "backend": "near", "options": { "over": "default", "invalidation": "redis://10.0.0.1:6379",
    ///                                              "maxEntries": 10000, "staleness": 5 } } } }
    /// ```
    public mutating func registerNearBackend() {
        register("near", options: [
            "over",
            "invalidation",
            "channel",
            "maxEntries",
            "maxBytes",
            "staleness",
            "heartbeat",
            "failureMode",
        ]) { context in
            let options = context.options
            guard let over = try options.string("over"), !over.isEmpty else {
                throw options.error("over", "is required: the alias whose backend the memory tier sits over, such as \"default\"")
            }
            guard over != context.alias else {
                throw options.error("over", "names this alias itself; name the alias whose backend holds the entries")
            }
            guard let url = try options.string("invalidation") else {
                throw options.error("invalidation", "is required: a redis:// URL every instance reaches, such as \"redis://127.0.0.1:6379\"")
            }
            let endpoint: RedisEndpoint
            do {
                endpoint = try RedisEndpoint(url: url)
            } catch {
                throw options.error("invalidation", "\(error)")
            }
            let channelName = try options.string("channel") ?? "swift-caching:near"
            guard !channelName.isEmpty else { throw options.error("channel", "is empty; name a pub/sub channel or leave it out") }
            let maxEntries = try options.int("maxEntries", default: 10_000, minimum: 1)
            let maxBytes = try options.int("maxBytes").map { bytes in
                guard bytes > 0 else { throw options.error("maxBytes", "must be a positive number of bytes") }
                return bytes
            }
            let staleness = try options.seconds("staleness", default: 5)
            let heartbeat = try options.seconds("heartbeat", default: 1)
            let failureMode = try options.failureMode()
            try options.finish()
            let backing: any CacheBackend
            do {
                backing = try context.backendOfAlias(over)
            } catch let error as CacheConfigurationError where error.path == nil {
                throw options.error("over", error.problem)
            }
            if backing is NearCacheBackend {
                throw options.error("over", "names '\(over)', itself a near cache; name the alias it is over instead")
            }
            let channel = RedisInvalidationChannel(
                endpoint: endpoint, channelName: channelName, heartbeat: TimeAmount(heartbeat), logger: context.logger)
            let configuration = NearCacheBackend.Configuration(
                maxEntries: maxEntries, maxBytes: maxBytes, staleness: Double(staleness.components.seconds)
                    + Double(staleness.components.attoseconds) / 1e18,
                failureMode: failureMode)
            return NearCacheBackend(backing: backing, channel: channel, configuration: configuration, logger: context.logger)
        }
    }
}
