// swift-tools-version:6.1
// Benchmarks of the server backends (SQLite, PostgreSQL, Redis, memcached) and
// of the Redis client, compared side by side with Django and redis-benchmark by
// ../compare-sql.sh and ../compare-distributed.sh. Its own package so that
// benchmark builds (release, their own scratch path) never touch the main build.
import PackageDescription

let package = Package(
    name: "backend-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // PostgreSQL in CacheBackendRegistry.allBackends, for compare-sql.sh.
        .package(name: "swift-caching", path: "../..", traits: ["PostgreSQL"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The bare driver, for the floor under the PostgreSQL one-task lines.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .executableTarget(
            name: "backend-bench",
            dependencies: [
                .product(name: "Caching", package: "swift-caching"),
                .product(name: "CachingBackends", package: "swift-caching"),
                .product(name: "RedisCaching", package: "swift-caching"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ]
)
