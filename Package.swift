// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "SpectralDMFT",
    products: [
        .library(name: "SpectralDMFT", targets: ["SpectralDMFT"]),
        .executable(name: "dmft", targets: ["dmft"]),
    ],
    dependencies: [
        // Exact versions: a fresh clone builds and tests what was tested (Package.resolved is not committed: on the
        // build machines it records local revisions of the package copies).
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // Documentation: swift package generate-documentation --target SpectralDMFT.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
        // Tests only: property-based tests of the command-line contract.
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .target(
            name: "SpectralDMFT",
            dependencies: [
                "CFFTW",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // Every production-resolution check, the canonical data sets of notebooks-data/ and the benchmark workloads.
        .target(
            name: "SpectralDMFTValidation",
            dependencies: ["SpectralDMFT"]
        ),
        .executableTarget(
            name: "dmft",
            dependencies: [
                "SpectralDMFT",
                "SpectralDMFTValidation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // package-benchmark suite: swift package benchmark (see README, "Benchmarks").
        .executableTarget(
            name: "DMFTBenchmarks",
            dependencies: [
                "SpectralDMFT",
                "SpectralDMFTValidation",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DMFTBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .testTarget(
            name: "SpectralDMFTTests",
            dependencies: [
                "SpectralDMFT", "SpectralDMFTValidation",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["HelpSnapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
