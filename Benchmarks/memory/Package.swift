// swift-tools-version:6.1
// Benchmarks of the memory backend, compared side by side with Django's
// LocMemCache by ../compare-memory.sh. Its own package so that benchmark builds
// (release, their own scratch path) never touch the main package's build.
import PackageDescription

let package = Package(
    name: "memory-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-caching", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "memory-bench",
            dependencies: [.product(name: "Caching", package: "swift-caching")]
        ),
        // Hit ratios of the lru and tinylfu policies, for ../compare-hitratio.sh.
        .executableTarget(
            name: "hitratio-bench",
            dependencies: [.product(name: "Caching", package: "swift-caching")]
        ),
    ]
)
