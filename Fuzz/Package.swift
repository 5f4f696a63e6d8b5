// swift-tools-version:6.1
// libFuzzer targets for every parser of swift-caching that reads outside bytes.
//
// A package of its own so that the main `swift build` / `swift test` never
// builds these executables: a libFuzzer target has no `main` of its own and
// links only with `-sanitize=fuzzer`. Build and run them with `scripts/fuzz.sh`.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // The fuzz entry points are `@_cdecl` functions, not a `main`.
    .unsafeFlags(["-parse-as-library"]),
]

let package = Package(
    name: "swift-caching-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-caching", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Cache-Control, Vary, ETag lists, If-* evaluation, HTTP dates.
        .executableTarget(
            name: "fuzz-http-headers",
            dependencies: [
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
                .product(name: "RedisCaching", package: "swift-caching"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // memcached meta-protocol replies.
        .executableTarget(
            name: "fuzz-memcached",
            dependencies: [
                .product(name: "MemcachedCaching", package: "swift-caching"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Stored entries: file-backend files, stored pages, SQL row values.
        .executableTarget(
            name: "fuzz-stored-entries",
            dependencies: [
                .product(name: "Caching", package: "swift-caching"),
                .product(name: "HTTPCaching", package: "swift-caching"),
                .product(name: "SQLiteCaching", package: "swift-caching"),
            ],
            swiftSettings: swiftSettings
        ),
        // CACHES settings JSON.
        .executableTarget(
            name: "fuzz-settings",
            dependencies: [
                .product(name: "Caching", package: "swift-caching"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
