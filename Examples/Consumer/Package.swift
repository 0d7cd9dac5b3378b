// swift-tools-version:6.0
// A package that uses SpectralDMFT the way a user's package would: as a dependency, through its public API only.
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [
        .package(name: "SpectralDMFT", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [.product(name: "SpectralDMFT", package: "SpectralDMFT")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
