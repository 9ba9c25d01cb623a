import NexusWire

/// The rollout loop's decisions, without its I/O: which weights to install, when a worker
/// has collected its share for one policy version and waits for the next, when it steps.
/// The shell (`RolloutWorker`) asks `next` with the newest weights on offer and the time,
/// carries out the decision, and reports back (`installed`, `refused`, `stepped`).
public struct WorkerCore {
    /// What the loop does next.
    public enum Decision: Equatable {
        /// Build these weights' policy and plan, check them against the environment, and
        /// report `installed` or `refused`.
        case install(Weights)
        /// Nothing to act with yet: wait for weights.
        case awaitFirstWeights
        /// This version's share is collected: wait up to `seconds` for the next version.
        case awaitNextVersion(seconds: Double)
        /// Collect one step with the installed version.
        case step(version: UInt64)
    }

    /// Env steps to collect with one version before waiting for the next (0: never wait;
    /// counted as `stepped(copies:plan:)` says: the expert-driven copies' under a plan that has
    /// the expert drive fixed copies; under a gated plan the share is `stepsPerGatedVersion`),
    /// and the longest wait: a slow or restarted learner must not stall the worker, so after
    /// the wait it collects one more share with the version it has.
    public let stepsPerVersion: Int
    /// The share under a gated plan (MEGA-DAgger after its first iteration), whose iterations
    /// are `mega.steps_per_iteration` env steps rather than labels.
    public let stepsPerGatedVersion: Int
    public let versionWaitSeconds: Double
    /// The longest wait under a plan that asks the expert. A share collected with an old
    /// plan spends expert queries on a policy (and, for MEGA-DAgger, a β and a gate) about to
    /// be replaced: a learner that evaluates after each iteration for longer than
    /// `versionWaitSeconds` (every MuJoCo race iteration) had each iteration's labels drawn a
    /// version late. Such a worker waits for the version; the learner asks for another share
    /// (`learnerWantsMore`) where it waits for data that does not come.
    public let queryVersionWaitSeconds: Double
    /// The share of the plan last stepped with, and whether that plan asks the expert.
    private var share: Int
    private var asksExpert = false

    /// The installed weights' run and version (nil before the first).
    public private(set) var installed: (runID: String, version: UInt64)?
    private var stepsWithVersion = 0
    private var waitingSince: Double?
    /// The last weights that failed to install: not tried again.
    private var refusedVersion: (runID: String, version: UInt64)?
    public private(set) var refusedWeights = 0

    /// `stepsPerGatedVersion`: nil for the same share under every plan; `queryVersionWaitSeconds`:
    /// nil for the same wait under every plan.
    public init(stepsPerVersion: Int, stepsPerGatedVersion: Int? = nil, versionWaitSeconds: Double, queryVersionWaitSeconds: Double? = nil) {
        self.stepsPerVersion = versionWaitSeconds > 0 ? stepsPerVersion : 0
        self.stepsPerGatedVersion = versionWaitSeconds > 0 ? stepsPerGatedVersion ?? stepsPerVersion : 0
        self.versionWaitSeconds = versionWaitSeconds
        self.queryVersionWaitSeconds = queryVersionWaitSeconds ?? versionWaitSeconds
        share = self.stepsPerVersion
    }

    /// The decision at `now` (seconds on any monotonic clock), given the newest weights on
    /// offer that are not the installed ones (`WeightsInbox.take(over: installed)`).
    public mutating func next(offered: Weights?, now: Double) -> Decision {
        if let offered, !(offered.runID == refusedVersion?.runID && offered.version == refusedVersion?.version) {
            return .install(offered)
        }
        guard let installed else { return .awaitFirstWeights }
        if share > 0, stepsWithVersion >= share {
            let since = waitingSince ?? now
            waitingSince = since
            let longest = asksExpert ? queryVersionWaitSeconds : versionWaitSeconds
            if now - since < longest { return .awaitNextVersion(seconds: longest - (now - since)) }
            // Waited long enough: another share with this version.
            stepsWithVersion = 0
            waitingSince = nil
        }
        return .step(version: installed.version)
    }

    /// The weights `next` offered are installed: a new share starts.
    public mutating func installed(_ weights: Weights) {
        installed = (weights.runID, weights.version)
        stepsWithVersion = 0
        waitingSince = nil
    }

    /// The weights `next` offered do not fit (their policy, plan or gate): the installed
    /// version, if any, goes on, and these are not tried again.
    public mutating func refused(_ weights: Weights) {
        refusedVersion = (weights.runID, weights.version)
        refusedWeights += 1
    }

    /// The learner waits for data of `version` and none comes (`ControlMessage.moreData`): if
    /// that version is installed, or is the one this worker refused (it goes on with the one it
    /// has), and the share is collected, another share starts now. A request for another version
    /// changes nothing: older weights are on their way out, and newer ones will arrive with a
    /// share of their own.
    public mutating func learnerWantsMore(version: UInt64) {
        guard installed?.version == version || refusedVersion?.version == version, share > 0, stepsWithVersion >= share else { return }
        stepsWithVersion = 0
        waitingSince = nil
    }

    /// A step of `envSteps` env steps (every copy's) was collected with the installed version.
    public mutating func stepped(envSteps: Int) { stepsWithVersion += envSteps }

    /// A step of every one of `copies` copies under `plan`. Where the expert drives fixed
    /// copies (MEGA-DAgger's deep first iteration), only theirs count toward the share: the
    /// share is sized for the labels an iteration waits for, and those come from these copies
    /// alone. Counting every copy, a worker stopped at a quarter of its labels and waited
    /// `versionWaitSeconds` three times (1.5 s of MEGA-DAgger's 1.8 s on CartPole-v1).
    /// Under a gated plan the share is `stepsPerGatedVersion`: sized from labels, a worker of
    /// two on Hopper-v5 stopped at half of an iteration's 256 env steps and both waited
    /// `versionWaitSeconds` every iteration (0.5 s of MEGA-DAgger's 0.62 s).
    public mutating func stepped(copies: Int, plan: RolloutPlan) {
        share = plan.queryRule == .gate ? stepsPerGatedVersion : stepsPerVersion
        asksExpert = plan.needsExpert
        stepped(envSteps: plan.expertCopies > 0 ? min(plan.expertCopies, copies) : copies)
    }
}
