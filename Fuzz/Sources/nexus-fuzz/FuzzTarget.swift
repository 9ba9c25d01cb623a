import NexusAlgorithms
import NexusEnvironments
import NexusRuntime
import NexusWire

/// The environments whose expectations each input is validated against, and none.
private let specs: [EnvironmentSpec] = EnvironmentRegistry.ids.compactMap { try? EnvironmentRegistry.type(for: $0).spec }

/// One input: decoded under the default limits with no expectations and with each
/// environment's, then used as the receiver would use it. Any trap, overflow, out-of-bounds
/// access or leak is a finding; a thrown error is the expected refusal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? WireCodec.decode(bytes)
    for spec in specs {
        let expectations = WireExpectations(
            envID: spec.id, observationDim: spec.observationDim, actionDim: spec.actionSpace.dimension,
            discreteActions: spec.actionSpace.discreteCount, maxSegmentSteps: 10_000,
            maxObservationMagnitude: WireExpectations.observationMagnitudeBound)
        guard let message = try? WireCodec.decode(bytes, expecting: expectations) else { continue }
        use(message, spec: spec)
    }
    return 0
}

/// What a worker does with weights: build the policy and plan, then act once.
private func use(_ message: WireMessage, spec: EnvironmentSpec) {
    let weights: Weights
    switch message {
    case .weights(let published): weights = published
    case .control(.welcome(let welcome)):
        guard let carried = welcome.weights else { return }
        weights = carried
    default: return
    }
    guard let policy = try? InstalledPolicy(weights, spec: spec).policy else { return }
    let observation = [Float](repeating: 0.5, count: spec.observationDim)
    var action = [Float](repeating: 0, count: spec.actionSpace.dimension)
    observation.withUnsafeBufferPointer { input in action.withUnsafeMutableBufferPointer { policy.act(input, into: $0) } }
}
