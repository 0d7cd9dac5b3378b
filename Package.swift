// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SpectralDMFT",
    products: [
        .library(name: "SpectralDMFT", targets: ["SpectralDMFT"]),
        .executable(name: "dmft", targets: ["dmft"]),
    ],
    dependencies: [
        // Pinned to the versions tested (Package.resolved is not committed: on the build machines it records local
        // revisions of the package copies).
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
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
        .executableTarget(
            name: "dmft",
            dependencies: [
                "SpectralDMFT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SpectralDMFTTests",
            dependencies: [
                "SpectralDMFT", "dmft",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["HelpSnapshots"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
