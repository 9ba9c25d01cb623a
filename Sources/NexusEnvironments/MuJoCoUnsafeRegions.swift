/// Where Gymnasium's MuJoCo locomotion robots are unsafe, by family, as `unsafe_region` bounds
/// on their default observations (positions excluded, so `obs[0]` is the torso's height and,
/// for the planar robots, `obs[1]` its pitch). Hopper, Walker2d and Ant: the states in which
/// Gymnasium ends an episode as unhealthy (a fall), with v5's default ranges. HalfCheetah never
/// ends one: a flip, the pitch past ±1 rad (Nexus's expert runs within ±0.42 and flipped in 1 of
/// 50 demonstration episodes).
public enum MuJoCoUnsafeRegions {
    /// Keyword arguments that move the observation's layout or the healthy ranges: with any of
    /// them the defaults would judge the wrong numbers, so there are none.
    static let layoutArguments: Set = [
        "exclude_current_positions_from_observation", "healthy_z_range", "healthy_angle_range", "terminate_when_unhealthy",
    ]

    /// The bounds for `env` (`gym:Hopper-v5`, any version or module), or nil for an environment
    /// of another family or one whose `kwargs` change what the bounds read.
    public static func bounds(for env: String, kwargs: [String: String] = [:]) -> [String]? {
        guard kwargs.keys.allSatisfy({ !layoutArguments.contains($0) }) else { return nil }
        switch GymEnvironmentID.family(env) {
        case "Hopper": return ["obs[0] < 0.7", "obs[1] < -0.2", "obs[1] > 0.2"]
        case "Walker2d": return ["obs[0] < 0.8", "obs[0] > 2", "obs[1] < -1", "obs[1] > 1"]
        case "Ant": return ["obs[0] < 0.2", "obs[0] > 1"]
        case "HalfCheetah": return ["obs[1] < -1", "obs[1] > 1"]
        default: return nil
        }
    }
}
