import Foundation
import NexusEnvironments
import NexusPolicies
import NexusWire
import NexusErrors

/// A trained policy read from a checkpoint file (any algorithm's: the `.policy` model of its
/// weights), checked against the environment it is to act in.
public enum PolicyFile {
    public static func load(_ path: String, for spec: EnvironmentSpec) throws -> PolicyNetwork {
        let checkpoint: Checkpoint
        do {
            checkpoint = try CheckpointFile.read(path)
        } catch let error as CheckpointFileError {
            throw PolicyFileError(error.description.replacingOccurrences(of: "cannot read ", with: "cannot read policy file "))
        }
        guard checkpoint.envID == spec.id else {
            throw PolicyFileError("\(path) holds a policy for \(checkpoint.envID), not \(spec.id)")
        }
        guard let model = checkpoint.weights.models.first(where: { $0.kind == .policy }) else {
            throw PolicyFileError("\(path) holds no policy model")
        }
        do {
            let network = try PolicyNetwork(model: model)
            guard network.fits(spec) else {
                throw PolicyFileError(
                    "\(path): policy \(network.architecture) does not fit \(spec.id) (\(spec.observationDim) observations, \(spec.actionSpace.policyOutputs) outputs)")
            }
            return network
        } catch let error as PolicyError {
            throw PolicyFileError("\(path): \(error)")
        }
    }
}

public typealias PolicyFileError = DescribedError<PolicyFileProblem>
public enum PolicyFileProblem {}
