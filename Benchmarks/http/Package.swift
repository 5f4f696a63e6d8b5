// swift-tools-version:6.1
// The HTTP side of the benchmarks: a Hummingbird server serving a 2 KB page
// plainly, behind the site-wide cache, or as an origin for caching-proxy.
// Driven by ../compare-http.sh and ../compare-proxy.sh.
import PackageDescription

let package = Package(
    name: "http-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-caching", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // cached-metrics: the page cache's metrics recorded into a Prometheus registry.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "http-bench-server",
            dependencies: [
                .product(name: "Caching", package: "swift-caching"),
                .product(name: "HummingbirdCaching", package: "swift-caching"),
                .product(name: "HTTPCaching", package: "swift-caching"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
    ]
)
