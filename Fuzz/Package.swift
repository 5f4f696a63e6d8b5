// swift-tools-version:6.1
// libFuzzer targets for every parser of swift-caching that reads outside bytes.
//
// A package of its own so that the main `swift build` / `swift test` never
// builds these executables: a libFuzzer target has no `main` of its own and
// links only with `-sanitize=fuzzer`. Build and run them with `scripts/fuzz.sh`.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // The entry points are `@_cdecl` functions (`LLVMFuzzerTestOneInput` and
    // `<module>_main`, which starts libFuzzer's driver), not top-level code.
    .unsafeFlags(["-parse-as-library"]),
]

let package = Package(
    name: "swift-caching-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-caching", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Input slicing, per-parser run counts and invariant checks shared by the targets.
        .target(
            name: "FuzzSupport", dependencies: ["CFuzzerDriver", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        // libFuzzer's driver entry point, declared for Swift.
        .target(name: "CFuzzerDriver"),
        // Cache-Control, Vary, ETag lists, If-* evaluation, HTTP dates.
        .executableTarget(
            name: "fuzz-http-headers",
            dependencies: [
                "FuzzSupport",
                .product(name: "HTTPCaching", package: "swift-caching"),
                .product(name: "Caching", package: "swift-caching"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // RESP2 replies from a Redis server.
        .executableTarget(
            name: "fuzz-resp",
            dependencies: [
                "FuzzSupport",
                .product(name: "RedisCaching", package: "swift-caching"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // memcached meta-protocol replies.
        .executableTarget(
            name: "fuzz-memcached",
            dependencies: [
                "FuzzSupport",
                .product(name: "MemcachedCaching", package: "swift-caching"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Stored entries: file-backend files, stored pages, SQL row values.
        .executableTarget(
            name: "fuzz-stored-entries",
            dependencies: [
                "FuzzSupport",
                .product(name: "Caching", package: "swift-caching"),
                .product(name: "HTTPCaching", package: "swift-caching"),
                .product(name: "SQLiteCaching", package: "swift-caching"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // Settings JSON: caches, httpCache, cacheHeaders.
        .executableTarget(
            name: "fuzz-settings",
            dependencies: [
                "FuzzSupport",
                .product(name: "Caching", package: "swift-caching"),
                .product(name: "HTTPCaching", package: "swift-caching"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
