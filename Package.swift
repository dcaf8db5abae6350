// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "winnow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "winnow", targets: ["winnow"]),
        .library(name: "WinnowCore", targets: ["WinnowCore"]),
        .library(name: "WinnowDaemon", targets: ["WinnowDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Whole-buffer gzip compression of the output, 3-4x faster than zlib at the same ratio.
        .systemLibrary(
            name: "CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        // Zstandard, written (.jsonl.zst) and read.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // glibc's mallopt, for the allocator tuning of the daemon and the command line.
        .systemLibrary(name: "CMalloc"),
        // SSE2's byte mask, for the tokenizer's and the cleaner's 64-byte blocks (header only).
        .systemLibrary(name: "CSIMD"),
        .target(
            name: "WinnowCore",
            dependencies: [
                "CZlib",
                "CDeflate",
                "CZstd",
                "CSIMD",
                // SHA-256 for input hashes and record ids, with the CPU's SHA instructions (BoringSSL).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WinnowDaemon",
            dependencies: [
                "WinnowCore",
                "CMalloc",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "winnow",
            dependencies: [
                "WinnowCore",
                "WinnowDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Trains the language identification model (scripts/generate-language-model.sh); not installed.
        .executableTarget(
            name: "GenerateLanguageModel",
            dependencies: ["WinnowCore"]
        ),
        .testTarget(
            name: "WinnowCoreTests",
            dependencies: ["WinnowCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "WinnowDaemonTests",
            dependencies: ["WinnowCore", "WinnowDaemon"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
