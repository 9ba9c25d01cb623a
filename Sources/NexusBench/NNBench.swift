import CBLAS
import Foundation
import NexusNN

/// `nexus bench nn`: training steps (forward, backward, Adam) and inference of the networks
/// Nexus trains, against raw `cblas_sgemm` on the same matrix shapes in the same run.
public struct NNBench: Sendable {
    public var settings: BenchSettings

    public init(_ settings: BenchSettings = BenchSettings()) { self.settings = settings }

    struct Network {
        let name: String
        let sizes: [Int]
        let batch: Int
    }

    static let trainingCases = [Network(name: "train_17-256-256-6_b256", sizes: [17, 256, 256, 6], batch: 256), Network(name: "train_4-64-64-2_b64", sizes: [4, 64, 64, 2], batch: 64)]
    static let inferenceCases = [
        Network(name: "infer_4-64-64-2_b1", sizes: [4, 64, 64, 2], batch: 1), Network(name: "infer_4-64-64-2_b64", sizes: [4, 64, 64, 2], batch: 64),
        Network(name: "infer_17-256-256-6_b1", sizes: [17, 256, 256, 6], batch: 1),
    ]
    public static var caseNames: [String] { (trainingCases + inferenceCases).map(\.name) }

    public func run(_ reporter: BenchReporter) throws {
        try settings.requireMatch(in: Self.caseNames, bench: "nn")
        NexusNN.configureThreads(1)
        try NexusNN.verifyBLAS()
        reporter.note("nn: OpenBLAS kernel \(NexusNN.blasKernel) (verified against a double-precision product), 1 thread")
        let roundSeconds = settings.quick ? 0.05 : 0.3
        for network in Self.trainingCases where settings.selected(network.name) {
            let step = try trainingStep(network)
            let seconds = Measure.secondsPerCall(iterations: Measure.calibrate(targetSeconds: roundSeconds, step), step)
            let flops = Double(Self.trainingFlops(network))
            let rawSeconds = Self.rawGemmSeconds(network, training: true, roundSeconds: roundSeconds)
            reporter.report(BenchRecord(bench: "nn", case: network.name, metric: "step_time", value: seconds * 1e6, unit: "us", baseline: rawSeconds * 1e6))
            reporter.report(BenchRecord(bench: "nn", case: network.name, metric: "effective_gflops", value: flops / seconds / 1e9, unit: "GFLOP/s", baseline: flops / rawSeconds / 1e9))
        }
        for network in Self.inferenceCases where settings.selected(network.name) {
            var random = RandomSource(seed: 1)
            let mlp = MLP(sizes: network.sizes, random: &random)
            let input = (0..<(network.batch * network.sizes[0])).map { _ in random.nextFloat() }
            let forward = { input.withUnsafeBufferPointer { mlp.forward($0, batch: network.batch) } }
            let seconds = Measure.secondsPerCall(iterations: Measure.calibrate(targetSeconds: roundSeconds, forward), forward)
            let rawSeconds = Self.rawGemmSeconds(network, training: false, roundSeconds: roundSeconds)
            reporter.report(BenchRecord(bench: "nn", case: network.name, metric: "forward_time", value: seconds * 1e6, unit: "us", baseline: rawSeconds * 1e6))
        }
    }

    /// One supervised step: forward, cross-entropy-like gradient, backward, Adam.
    private func trainingStep(_ network: Network) throws -> () -> Void {
        var random = RandomSource(seed: 7)
        let mlp = MLP(sizes: network.sizes, random: &random)
        let adam = Adam(parameterCount: mlp.parameters.count, learningRate: 1e-4)
        let input = (0..<(network.batch * network.sizes[0])).map { _ in random.nextFloat() }
        let gradient = (0..<(network.batch * network.sizes.last!)).map { _ in random.nextFloat() * 1e-3 }
        return {
            mlp.forward(input, batch: network.batch)
            mlp.parameters.zeroGradients()
            mlp.backward(gradient)
            adam.update(mlp.parameters)
        }
    }

    /// Floating-point operations of a training step's matrix products (forward, dW, dx).
    static func trainingFlops(_ network: Network) -> Int {
        let products = zip(network.sizes, network.sizes.dropFirst()).map { $0 * $1 }
        return products.reduce(0) { $0 + 6 * network.batch * $1 } - 2 * network.batch * products[0]  // no dx for the input
    }

    /// Seconds for the same sgemm calls with nothing around them.
    static func rawGemmSeconds(_ network: Network, training: Bool, roundSeconds: Double) -> Double {
        let batch = network.batch
        let layers = Array(zip(network.sizes, network.sizes.dropFirst()))
        let widest = network.sizes.max()!
        var activations = [Float](repeating: 0.1, count: batch * widest)
        var scratch = [Float](repeating: 0, count: batch * widest)
        var weights = layers.map { [Float](repeating: 0.01, count: $0.0 * $0.1) }
        var weightGradients = weights
        let calls = {
            activations.withUnsafeMutableBufferPointer { a in
                scratch.withUnsafeMutableBufferPointer { s in
                    for (index, (inputs, outputs)) in layers.enumerated() {
                        weights[index].withUnsafeMutableBufferPointer { w in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(batch), blasint(outputs), blasint(inputs), 1, a.baseAddress, blasint(inputs), w.baseAddress, blasint(inputs), 0, s.baseAddress, blasint(outputs))
                        }
                    }
                    guard training else { return }
                    for (index, (inputs, outputs)) in layers.enumerated().reversed() {
                        weightGradients[index].withUnsafeMutableBufferPointer { g in
                            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(outputs), blasint(inputs), blasint(batch), 1, s.baseAddress, blasint(outputs), a.baseAddress, blasint(inputs), 1, g.baseAddress, blasint(inputs))
                        }
                        if index > 0 {
                            weights[index].withUnsafeMutableBufferPointer { w in
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(batch), blasint(inputs), blasint(outputs), 1, s.baseAddress, blasint(outputs), w.baseAddress, blasint(inputs), 0, a.baseAddress, blasint(inputs))
                            }
                        }
                    }
                }
            }
        }
        return Measure.secondsPerCall(iterations: Measure.calibrate(targetSeconds: roundSeconds, calls), calls)
    }
}
