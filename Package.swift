// swift-tools-version:6.1
// swift-caching: Django's cache framework, for Swift server applications.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "swift-caching",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Caching", targets: ["Caching"]),
        .library(name: "HTTPCaching", targets: ["HTTPCaching"]),
        .library(name: "HummingbirdCaching", targets: ["HummingbirdCaching"]),
        .library(name: "SQLiteCaching", targets: ["SQLiteCaching"]),
        .library(name: "PostgresCaching", targets: ["PostgresCaching"]),
        .library(name: "RedisCaching", targets: ["RedisCaching"]),
        .library(name: "MemcachedCaching", targets: ["MemcachedCaching"]),
        .library(name: "MustacheCaching", targets: ["MustacheCaching"]),
        .library(name: "CachingBackends", targets: ["CachingBackends"]),
        .executable(name: "cachectl", targets: ["cachectl"]),
        .library(name: "CachingPurge", targets: ["CachingPurge"]),
        .executable(name: "caching-demo", targets: ["CachingDemo"]),
        .executable(name: "caching-proxy", targets: ["CachingProxyCommand"]),
        .library(name: "VaporCaching", targets: ["VaporCaching"]),
        .executable(name: "caching-demo-vapor", targets: ["CachingDemoVapor"]),
    ],
    // Opt-in parts, so that an app resolves and builds only what it uses:
    // a Hummingbird app never compiles Vapor, and `swift run caching-demo`
    // skips the PostgreSQL client stack unless asked (README, "Build sizes").
    traits: [
        .default(enabledTraits: []),
        .trait(name: "Vapor", description: "The Vapor 4 adapter (VaporCaching) and the Vapor demo."),
        .trait(name: "PostgreSQL", description: "PostgreSQL in CacheBackendRegistry.allBackends (the demo, caching-proxy)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        // Observability (issue 19): spans from the Cache front end and the page
        // caches; Prometheus exposition only in the executables (CachingMetricsEndpoint).
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Plugin only (`swift package generate-documentation`, scripts/check-docs.sh):
        // no target depends on it, so apps never build it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The low-level API and the local backends (memory, file, dummy).
        .target(
            name: "Caching",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Framework-free HTTP caching logic on swift-http-types.
        .target(
            name: "HTTPCaching",
            dependencies: [
                "Caching",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Hot-store bodies are kept as ready-to-write ByteBuffers.
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Thin adapter for Hummingbird 2.
        .target(
            name: "HummingbirdCaching",
            dependencies: [
                "Caching", "HTTPCaching",
                .product(name: "Hummingbird", package: "hummingbird"),
                // Hits served at the connection: a channel handler in
                // Hummingbird's HTTP/1 pipeline (HotPathHandler).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                // Answers written as HTTP/1 heads below the codec (HotPathHandler).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                // CachesService (Hummingbird depends on it already).
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // SQLiteRawConnection (the direct reads and writes) also imports
        // VaporCSQLite, the SQLite library that the SQLiteNIO product builds (a
        // target of sqlite-nio, not a product): synchronous statements must go
        // through the process's one copy of SQLite.
        .target(
            name: "SQLiteCaching",
            dependencies: ["Caching", .product(name: "SQLiteNIO", package: "sqlite-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PostgresCaching",
            dependencies: [
                "Caching",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RedisCaching",
            dependencies: [
                "Caching",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MemcachedCaching",
            dependencies: [
                "Caching",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MustacheCaching",
            dependencies: ["Caching", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cachectl",
            dependencies: [
                "Caching", "CachingBackends", "SQLiteCaching", "PostgresCaching", "HTTPCaching", "CachingPurge",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Tag purges sent to Varnish (xkey); its own module so that only apps
        // that purge a downstream cache compile an HTTP client.
        .target(
            name: "CachingPurge",
            dependencies: [
                "HTTPCaching",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The demo's pages, a library so that tests can drive them in-process.
        .target(
            name: "CachingDemoSite",
            dependencies: [
                "Caching", "HTTPCaching", "HummingbirdCaching", "MustacheCaching", "CachingDemoContent",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // `/metrics` in Prometheus text format for the demo and caching-proxy
        // (issue 19); not a product, so the library never depends on Prometheus.
        .target(
            name: "CachingMetricsEndpoint",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CachingDemo",
            dependencies: [
                "CachingMetricsEndpoint",
                "Caching", "CachingBackends", "CachingDemoContent", "CachingDemoSite", "HTTPCaching", "HummingbirdCaching",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The shared-cache mode as a reverse proxy in front of any HTTP origin.
        .target(
            name: "CachingProxy",
            dependencies: [
                "Caching", "HTTPCaching", "HummingbirdCaching", "CachingMetricsEndpoint",
                .product(name: "Hummingbird", package: "hummingbird"),
                // Its HTTP server without Application, which overwrites Date and Server.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CachingProxyCommand",
            dependencies: [
                "CachingMetricsEndpoint",
                "CachingProxy", "Caching", "CachingBackends",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Thin adapter for Vapor 4 (trait "Vapor"; its sources are empty without it).
        .target(
            name: "VaporCaching",
            dependencies: [
                "Caching", "HTTPCaching",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ],
            swiftSettings: swiftSettings
        ),
        // The demo's pages without a web framework: both demos serve them.
        .target(
            name: "CachingDemoContent",
            dependencies: ["Caching", "HTTPCaching", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: swiftSettings
        ),
        // The Vapor demo's routes, a library so that tests can drive them in-process.
        .target(
            name: "CachingDemoVaporSite",
            dependencies: [
                "Caching", "CachingDemoContent", "HTTPCaching", "VaporCaching", "MustacheCaching",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CachingDemoVapor",
            dependencies: [
                "Caching", "CachingBackends", "CachingDemoContent", "CachingDemoVaporSite", "HTTPCaching", "VaporCaching",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ],
            swiftSettings: swiftSettings
        ),
        // One registry with every backend, for executables that read settings.
        .target(
            name: "CachingBackends",
            dependencies: [
                "Caching", "SQLiteCaching", "RedisCaching", "MemcachedCaching",
                .target(name: "PostgresCaching", condition: .when(traits: ["PostgreSQL"])),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support, not a product: writes self-checking records until it
        // is killed, for the crash-safety tests.
        .executableTarget(
            name: "CacheCrashWriter",
            dependencies: ["Caching", "SQLiteCaching", "CachingTestSupport"],
            swiftSettings: swiftSettings
        ),
        // Test and benchmark support, not a product: one instance of an app
        // using a near cache, for the two-process tests and compare-nearcache.sh.
        .executableTarget(
            name: "NearCacheProbe",
            dependencies: ["Caching", "RedisCaching"],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets (log capture); not a product.
        .target(
            name: "CachingTestSupport",
            dependencies: [
                "Caching", "HTTPCaching", .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CachingTests",
            dependencies: ["Caching", "CachingTestSupport", .product(name: "MetricsTestKit", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["Caching", "CachingTestSupport", "SQLiteCaching", "PostgresCaching", "RedisCaching", "MemcachedCaching"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPCachingTests",
            dependencies: ["HTTPCaching", "Caching"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HummingbirdCachingTests",
            dependencies: [
                "HummingbirdCaching", "HTTPCaching", "Caching", "MustacheCaching", "CachingDemoSite", "CachingTestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // Raw sockets for the hot-path tests (RawHTTPConnection).
                .product(name: "NIOPosix", package: "swift-nio"),
                // An app's own channel handler in the hot-path tests (ResponseMarker),
                // in HTTP1Channel's configuration.
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ],
            // The Django side of DjangoParityTests, run with python3.
            exclude: ["django_parity_site.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CachingProxyTests",
            dependencies: [
                "CachingProxy", "HTTPCaching", "Caching",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SQLCachingTests",
            dependencies: [
                "Caching", "SQLiteCaching", "PostgresCaching", "CachingTestSupport",
                // Built so that the tests can run the binaries.
                "cachectl", "CacheCrashWriter",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The README's snippets, extracted by scripts/check-readme-snippets.sh:
        // every ```swift block compiles, every ```json block loads.
        .testTarget(
            name: "ReadmeSnippetTests",
            dependencies: [
                "Caching", "CachingBackends", "HTTPCaching", "HummingbirdCaching", "MustacheCaching",
                "SQLiteCaching", "PostgresCaching", "RedisCaching", "MemcachedCaching", "VaporCaching",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                // The README's own ServiceGroup (Lifecycle / graceful shutdown).
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VaporCachingTests",
            dependencies: [
                "VaporCaching", "HTTPCaching", "Caching", "CachingTestSupport", "CachingDemoContent", "CachingDemoVaporSite",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Graceful shutdown (swift-service-lifecycle): CachesService in-process,
        // and SIGTERM to the built caching-demo and caching-proxy.
        .testTarget(
            name: "LifecycleTests",
            dependencies: [
                "Caching", "HummingbirdCaching", "RedisCaching", "MemcachedCaching", "PostgresCaching", "SQLiteCaching",
                "CachingTestSupport",
                // Built so that the tests can run them.
                "CachingDemo", "CachingProxyCommand", "CachingDemoVapor",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Issue 19: metrics scraped from /metrics, spans from an in-memory tracer.
        .testTarget(
            name: "ObservabilityTests",
            dependencies: [
                "Caching", "HTTPCaching", "HummingbirdCaching", "CachingDemoSite", "CachingMetricsEndpoint",
                "CachingProxy", "CachingTestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DistributedCachingTests",
            dependencies: [
                "Caching", "RedisCaching", "MemcachedCaching", "CachingTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The page caches' hot tier in front of Redis (HotTierRedisTests).
                "HTTPCaching", .product(name: "HTTPTypes", package: "swift-http-types"),
                // Built so that the near-cache tests can run it as a second process.
                "NearCacheProbe",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
