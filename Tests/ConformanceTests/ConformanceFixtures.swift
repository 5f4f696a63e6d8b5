import Caching
import Foundation

extension BackendFixture {
    /// The memory backend: one location per store token.
    static let memory = BackendFixture(name: "memory", culling: .local) { options in
        let configuration = MemoryCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3)
        return options.cache(on: MemoryCacheBackend(location: "conformance-\(options.store)", configuration: configuration))
    }

    /// The memory backend with a byte budget, so values take the encoded path.
    static let memoryEncoded = BackendFixture(name: "memory-encoded", culling: .local) { options in
        let configuration = MemoryCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3, maxBytes: 64 << 20)
        return options.cache(on: MemoryCacheBackend(location: "conformance-encoded-\(options.store)", configuration: configuration))
    }

    /// The memory backend under the `tinylfu` policy. Django's culling
    /// arithmetic (the culling checks' counts) is the `lru` policy's, so this
    /// fixture declares no culling style and those checks are skipped; the
    /// policy's own bounds are tested in `MemoryCachePolicyTests`.
    static let memoryTinyLFU = BackendFixture(name: "memory-tinylfu", culling: nil) { options in
        let configuration = MemoryCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3, policy: .tinylfu)
        return options.cache(on: MemoryCacheBackend(location: "conformance-tinylfu-\(options.store)", configuration: configuration))
    }

    /// The memory backend split into 8 shards. Culling is per shard (an
    /// approximation of Django's counts), so the culling checks are skipped;
    /// every other check must behave as on one shard.
    static let memorySharded = BackendFixture(name: "memory-sharded", culling: nil) { options in
        let configuration = MemoryCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 100_000, cullFrequency: options.cullFrequency ?? 3, shards: 8)
        return options.cache(on: MemoryCacheBackend(location: "conformance-sharded-\(options.store)", configuration: configuration))
    }

    /// The file backend: one temporary directory per store token.
    static let file = BackendFixture(name: "file", culling: .local, acceptsClock: true) { options in
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-conformance/\(options.store)"
        let configuration = FileCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3, clock: options.clock)
        return options.cache(on: FileCacheBackend(directory: directory, configuration: configuration))
    }
}

extension FixtureOptions {
    /// A cache on `backend` with these options' prefix, version, timeout, key
    /// function and logger: what every fixture does once it has its backend.
    func cache(on backend: any CacheBackend) -> Cache {
        Cache(
            backend: backend, keyPrefix: keyPrefix, version: version,
            defaultTimeout: timeout.resolved(default: .seconds(300)),
            keyFunction: keyFunction, logger: logger)
    }
}
