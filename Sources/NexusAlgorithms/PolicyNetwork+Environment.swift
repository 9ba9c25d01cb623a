import NexusEnvironments
import NexusNN
import NexusPolicies

extension PolicyNetwork {
    /// A fresh policy for an environment: categorical over a discrete space, a diagonal
    /// Gaussian over a box.
    public convenience init(
        spec: EnvironmentSpec, hiddenSizes: [Int], activation: Activation, logStdInit: Float = 0, orthogonal: Bool = true,
        random: inout RandomSource
    ) {
        let head: Head = spec.actionSpace.discreteCount == nil ? .gaussian : .categorical
        self.init(
            sizes: [spec.observationDim] + hiddenSizes + [spec.actionSpace.policyOutputs], activation: activation, head: head,
            logStdInit: logStdInit, orthogonal: orthogonal, random: &random)
    }

    /// Whether this policy's inputs and outputs fit the environment.
    public func fits(_ spec: EnvironmentSpec) -> Bool {
        inputSize == spec.observationDim && outputSize == spec.actionSpace.policyOutputs
            && (head == .categorical) == (spec.actionSpace.discreteCount != nil)
    }
}
