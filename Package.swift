// swift-tools-version: 6.0
// Nexus: a distributed actor-learner system for imitation learning.
// Dependencies point one way: CLI → bench/runtime → transport → wire → generated C.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]
/// The numeric core is optimised in debug builds too: the test suite trains real networks on
/// real environments, and unoptimised float loops (tanh, the policy heads, the environments)
/// made learning tests tens of times slower. IEEE semantics are the same at -O (Swift does not
/// contract or reassociate floating-point operations), which the bit-exact environment
/// fixtures check.
let numeric: [SwiftSetting] = strict + [.unsafeFlags(["-O"])]

let package = Package(
    name: "Nexus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nexus", targets: ["nexus"]),
        .library(name: "NexusWire", targets: ["NexusWire"]),
        .library(name: "NexusTransport", targets: ["NexusTransport"]),
        // For the fuzz package (Fuzz/), which builds its target with -sanitize=fuzzer.
        .library(name: "NexusRuntime", targets: ["NexusRuntime"]),
        .library(name: "NexusEnvironments", targets: ["NexusEnvironments"]),
        .library(name: "NexusAlgorithms", targets: ["NexusAlgorithms"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // System libraries: a module map and a shim header each.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CProtobufC", providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),

        // protoc-c output, committed; regenerate with proto/generate.sh.
        .target(name: "CNexusProto", dependencies: ["CProtobufC"], linkerSettings: [.linkedLibrary("protobuf-c")]),

        .target(name: "NexusWire", dependencies: ["CNexusProto", "CProtobufC", "NexusErrors"], swiftSettings: strict),
        .target(name: "NexusRandom", swiftSettings: strict),
        .target(name: "NexusErrors", swiftSettings: strict),
        // Element-wise kernels built per instruction set (see its header); optimised in debug too.
        .target(name: "CNexusKernels", cSettings: [.unsafeFlags(["-O2", "-fno-math-errno", "-ffp-contract=off"])]),
        .target(name: "NexusNN", dependencies: ["CBLAS", "CNexusKernels", "NexusRandom", "NexusErrors"], swiftSettings: numeric),
        .target(name: "NexusEnvironments", dependencies: ["NexusRandom", "NexusErrors"], swiftSettings: numeric),
        .target(name: "NexusDemonstrations", dependencies: ["NexusEnvironments", "NexusWire", "NexusRandom"], swiftSettings: strict),
        .target(name: "NexusPolicies", dependencies: ["NexusNN", "NexusWire", "NexusErrors"], swiftSettings: numeric),
        .target(name: "NexusAlgorithms", dependencies: ["NexusNN", "NexusPolicies", "NexusEnvironments", "NexusWire", "NexusRandom", "NexusErrors"], swiftSettings: numeric),
        .target(
            name: "NexusRuntime",
            dependencies: [
                "NexusAlgorithms", "NexusTransport", "NexusWire", "NexusEnvironments", "NexusPolicies", "NexusDemonstrations", "NexusNN", "NexusErrors",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                // The metrics API only: roles count through it; the backend is chosen by the
                // process (NexusMetricsEndpoint), and without one the calls do nothing.
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        // Minari (HDF5) datasets to and from demonstration files; only the CLI links libhdf5.
        .target(name: "NexusMinari", dependencies: ["CHDF5", "NexusWire", "NexusEnvironments"], swiftSettings: strict),
        // `nexus report`: runs' curves and summaries as one HTML page.
        .target(name: "NexusReport", dependencies: ["NexusRuntime", "NexusAlgorithms", "NexusEnvironments", "NexusWire"], swiftSettings: strict),
        // `/metrics` for Prometheus: the swift-prometheus backend behind a small HTTP server.
        .target(
            name: "NexusMetricsEndpoint",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "NexusTransport",
            dependencies: [
                "CZeroMQ", "NexusWire",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "NexusBench",
            dependencies: [
                "NexusWire", "NexusTransport", "NexusNN", "NexusEnvironments", "NexusSampleData", "NexusRuntime", "NexusAlgorithms", "NexusErrors",
                "NexusPolicies", "CZeroMQ", "CBLAS",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "nexus",
            dependencies: [
                "NexusBench", "NexusRuntime", "NexusMetricsEndpoint", "NexusMinari", "NexusReport", "NexusAlgorithms", "NexusWire", "NexusTransport", "NexusNN", "NexusEnvironments", "NexusDemonstrations", "NexusPolicies",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Valid messages of every kind for a seed, shared by tests and benchmarks (shipped).
        .target(name: "NexusSampleData", dependencies: ["NexusWire", "NexusRandom"], swiftSettings: strict),
        // Test helpers (child processes, finite differences); never linked into `nexus`.
        .target(
            name: "NexusTestKit", dependencies: ["NexusSampleData", "NexusWire", "NexusNN", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: strict),
        .testTarget(name: "NexusWireTests", dependencies: ["NexusWire", "NexusNN", "NexusTestKit"], swiftSettings: strict),
        .testTarget(name: "NexusTransportTests", dependencies: ["NexusTransport", "NexusWire", "NexusTestKit", "CZeroMQ"], swiftSettings: strict),
        .testTarget(
            name: "NexusCLITests",
            dependencies: ["NexusTestKit", "NexusPolicies", "NexusDemonstrations", "NexusEnvironments", "NexusNN", "NexusWire", "NexusRandom"],
            swiftSettings: strict),
        .testTarget(
            name: "NexusAlgorithmsTests", dependencies: ["NexusAlgorithms", "NexusEnvironments", "NexusPolicies", "NexusDemonstrations", "NexusWire", "NexusTestKit", "NexusRandom"],
            swiftSettings: strict),
        .testTarget(
            name: "NexusRuntimeTests",
            dependencies: [
                "NexusRuntime", "NexusAlgorithms", "NexusDemonstrations", "NexusEnvironments", "NexusWire", "NexusTestKit",
                .product(name: "MetricsTestKit", package: "swift-metrics"), .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "NexusIntegrationTests",
            dependencies: ["NexusTestKit", "NexusWire", "NexusTransport", "NexusEnvironments", "NexusPolicies", "NexusRandom", "NexusRuntime", "NexusAlgorithms", "NexusNN"],
            swiftSettings: strict),
        .testTarget(name: "NexusReportTests", dependencies: ["NexusReport"], swiftSettings: strict),
        .testTarget(name: "NexusNNTests", dependencies: ["NexusNN", "CNexusKernels", "NexusWire", "NexusTestKit"], swiftSettings: strict),
        .testTarget(name: "NexusPoliciesTests", dependencies: ["NexusPolicies", "NexusNN", "NexusWire", "NexusSampleData", "NexusRandom"], swiftSettings: strict),
        .testTarget(name: "NexusDemonstrationsTests", dependencies: ["NexusDemonstrations", "NexusEnvironments", "NexusWire"], swiftSettings: strict),
        .testTarget(
            name: "NexusEnvironmentsTests", dependencies: ["NexusEnvironments", "NexusRandom", "NexusTestKit"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
    ]
)
