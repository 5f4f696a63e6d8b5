// swift-tools-version:6.1
// (The folder is not named "vapor": a root package whose identity is a dependency's
// confuses SwiftPM.) The Vapor side of the benchmarks: a Vapor 4 server serving a 2 KB page
// plainly or behind VaporCaching's site-wide cache. Driven by ../compare-vapor.sh.
import PackageDescription

let package = Package(
    name: "vapor-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-caching", path: "../..", traits: ["Vapor"]),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
    ],
    targets: [
        .executableTarget(
            name: "vapor-bench-server",
            dependencies: [
                .product(name: "Caching", package: "swift-caching"),
                .product(name: "HTTPCaching", package: "swift-caching"),
                .product(name: "VaporCaching", package: "swift-caching"),
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
    ]
)
