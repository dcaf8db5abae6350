// swift-tools-version:6.1
import PackageDescription

// A separate package, as swift-nio does, so that `swift test` in the root never builds the benchmark harness.
let package = Package(
    name: "benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "winnow", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TextThroughput",
            dependencies: [
                .product(name: "WinnowCore", package: "winnow"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "TextThroughput",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ]
)
