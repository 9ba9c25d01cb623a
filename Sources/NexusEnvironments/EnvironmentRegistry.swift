import NexusErrors
/// Every environment Nexus ships, by Gymnasium id.
public enum EnvironmentRegistry {
    public static let all: [any Environment.Type] = [
        CartPole.self, Pendulum.self, MountainCarContinuous.self, MountainCar.self, Acrobot.self,
    ]

    public static var ids: [String] { all.map { $0.spec.id } }

    public static func type(for id: String) throws -> any Environment.Type {
        guard let type = all.first(where: { $0.spec.id == id }) else {
            if GymEnvironmentID.isGym(id) {
                throw EnvironmentError("\(id) is a Gymnasium environment, stepped in Python: this takes only Nexus's own (\(ids.joined(separator: ", "))) for now")
            }
            throw EnvironmentError(description: "unknown environment \"\(id)\"; known: \(ids.joined(separator: ", "))")
        }
        return type
    }
}

/// Bad input about environments (an unknown id, a state of the wrong length, an action out
/// of the space), with a message that names it.
public typealias EnvironmentError = DescribedError<EnvironmentProblem>
public enum EnvironmentProblem {}
