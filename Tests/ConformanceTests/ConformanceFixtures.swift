import Caching
import Foundation

extension BackendFixture {
    /// The memory backend: one location per store token.
    static let memory = BackendFixture(name: "memory", culling: .local) { options in
        let configuration = MemoryCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3)
        return Cache(
            backend: MemoryCacheBackend(location: "conformance-\(options.store)", configuration: configuration),
            keyPrefix: options.keyPrefix, version: options.version,
            defaultTimeout: options.timeout.resolved(default: .seconds(300)),
            keyFunction: options.keyFunction, logger: options.logger)
    }

    /// The memory backend with a byte budget, so values take the encoded path.
    static let memoryEncoded = BackendFixture(name: "memory-encoded", culling: .local) { options in
        let configuration = MemoryCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3, maxBytes: 64 << 20)
        return Cache(
            backend: MemoryCacheBackend(location: "conformance-encoded-\(options.store)", configuration: configuration),
            keyPrefix: options.keyPrefix, version: options.version,
            defaultTimeout: options.timeout.resolved(default: .seconds(300)),
            keyFunction: options.keyFunction, logger: options.logger)
    }

    /// The file backend: one temporary directory per store token.
    static let file = BackendFixture(name: "file", culling: .local) { options in
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-conformance/\(options.store)"
        let configuration = FileCacheBackend.Configuration(
            maxEntries: options.maxEntries ?? 300, cullFrequency: options.cullFrequency ?? 3)
        return Cache(
            backend: FileCacheBackend(directory: directory, configuration: configuration),
            keyPrefix: options.keyPrefix, version: options.version,
            defaultTimeout: options.timeout.resolved(default: .seconds(300)),
            keyFunction: options.keyFunction, logger: options.logger)
    }
}
