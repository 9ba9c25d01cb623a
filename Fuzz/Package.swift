// swift-tools-version: 6.0
// A libFuzzer target over what a peer's bytes reach first: envelope decoding, validation
// against each environment, and loading a policy from weights as a worker does. Its own
// package, because it is built with `-sanitize=fuzzer` (libFuzzer supplies `main`).
// Build and run: Fuzz/run SECONDS (docs/SECURITY.md).
import PackageDescription

let package = Package(
    name: "NexusFuzz",
    dependencies: [.package(name: "Nexus", path: "..")],
    targets: [
        .executableTarget(
            name: "nexus-fuzz",
            dependencies: [
                .product(name: "NexusWire", package: "Nexus"), .product(name: "NexusRuntime", package: "Nexus"),
                .product(name: "NexusEnvironments", package: "Nexus"),
                .product(name: "NexusAlgorithms", package: "Nexus"),
            ])
    ]
)
