import NexusWire
import Testing

@testable import NexusAlgorithms

@Suite("The worker's decisions (WorkerCore)")
struct WorkerCoreTests {
    func weights(_ version: UInt64, run: String = "run-a") -> Weights { Weights(version: version, runID: run, models: []) }

    @Test("nothing to act with until weights come; the first offer is installed and stepped with")
    func firstWeights() {
        var core = WorkerCore(stepsPerVersion: 64, versionWaitSeconds: 0.5)
        #expect(core.next(offered: nil, now: 0) == .awaitFirstWeights)
        #expect(core.next(offered: weights(3), now: 0.1) == .install(weights(3)))
        // Until it is reported installed, nothing is.
        #expect(core.installed == nil)
        core.installed(weights(3))
        #expect(core.installed?.version == 3 && core.installed?.runID == "run-a")
        #expect(core.next(offered: nil, now: 0.2) == .step(version: 3))
    }

    @Test("a version's share collected, it waits for the next (the time left shrinking), then takes the next at once")
    func shareThenWait() {
        var core = WorkerCore(stepsPerVersion: 16, versionWaitSeconds: 0.5)
        core.installed(weights(1))
        #expect(core.next(offered: nil, now: 0) == .step(version: 1))
        core.stepped(envSteps: 8)
        #expect(core.next(offered: nil, now: 0) == .step(version: 1))
        core.stepped(envSteps: 8)
        #expect(core.next(offered: nil, now: 1.0) == .awaitNextVersion(seconds: 0.5))
        #expect(core.next(offered: nil, now: 1.25) == .awaitNextVersion(seconds: 0.25))
        #expect(core.next(offered: weights(2), now: 1.3) == .install(weights(2)))
        core.installed(weights(2))
        // A new share, and a wait that starts afresh.
        #expect(core.next(offered: nil, now: 1.4) == .step(version: 2))
        core.stepped(envSteps: 16)
        #expect(core.next(offered: nil, now: 5) == .awaitNextVersion(seconds: 0.5))
    }

    @Test("after the longest wait it collects one more share with the version it has (a slow or restarted learner does not stall it)")
    func waitEnds() {
        var core = WorkerCore(stepsPerVersion: 8, versionWaitSeconds: 0.5)
        core.installed(weights(4))
        core.stepped(envSteps: 8)
        // Asked at 10, 10.5 (the wait over), then after two half shares.
        let decisions = [10, 10.5, 10.6, 10.7].map { now -> WorkerCore.Decision in
            defer { if now > 10 { core.stepped(envSteps: 4) } }
            return core.next(offered: nil, now: now)
        }
        #expect(decisions == [.awaitNextVersion(seconds: 0.5), .step(version: 4), .step(version: 4), .awaitNextVersion(seconds: 0.5)])
    }

    @Test("where the expert drives fixed copies only their steps count toward the share; under other plans every copy's")
    func shareCountsTheExpertsCopies() {
        var core = WorkerCore(stepsPerVersion: 16, versionWaitSeconds: 0.5)
        core.installed(weights(1))
        // 8 copies, the expert driving 1: sixteen steps before the share is in.
        for _ in 0..<15 { core.stepped(copies: 8, plan: .expertDrivesCopies(1)) }
        #expect(core.next(offered: nil, now: 0) == .step(version: 1))
        core.stepped(copies: 8, plan: .expertDrivesCopies(1))
        #expect(core.next(offered: nil, now: 0) == .awaitNextVersion(seconds: 0.5))
        core.installed(weights(2))
        core.stepped(copies: 8, plan: RolloutPlan(expertActionProbability: 0.5, queryExpert: true))
        #expect(core.next(offered: nil, now: 1) == .step(version: 2))
        core.stepped(copies: 8, plan: .gated(threshold: 1, horizon: 0))
        #expect(core.next(offered: nil, now: 1) == .awaitNextVersion(seconds: 0.5))
    }

    @Test("under a gated plan the share is the gated one (MEGA-DAgger's iterations are env steps); other plans keep theirs")
    func gatedPlansHaveTheirOwnShare() {
        var core = WorkerCore(stepsPerVersion: 64, stepsPerGatedVersion: 128, versionWaitSeconds: 0.5)
        core.installed(weights(1))
        let gated = RolloutPlan.gated(threshold: 1, horizon: 0)
        for _ in 0..<15 { core.stepped(copies: 8, plan: gated) }
        #expect(core.next(offered: nil, now: 0) == .step(version: 1), "120 of 128 steps")
        core.stepped(copies: 8, plan: gated)
        #expect(core.next(offered: nil, now: 0) == .awaitNextVersion(seconds: 0.5))
        core.installed(weights(2))
        for _ in 0..<8 { core.stepped(copies: 8, plan: RolloutPlan(expertActionProbability: 0.5, queryExpert: true)) }
        #expect(core.next(offered: nil, now: 1) == .awaitNextVersion(seconds: 0.5), "64 steps: an ungated plan's share")
        var same = WorkerCore(stepsPerVersion: 64, versionWaitSeconds: 0.5)
        same.installed(weights(1))
        for _ in 0..<8 { same.stepped(copies: 8, plan: gated) }
        #expect(same.next(offered: nil, now: 0) == .awaitNextVersion(seconds: 0.5), "no gated share given: the one share")
    }

    @Test("under a plan that asks the expert it waits the longer query wait; under one that does not, the version wait")
    func queryPlansWaitLonger() {
        var core = WorkerCore(stepsPerVersion: 8, versionWaitSeconds: 0.5, queryVersionWaitSeconds: 10)
        core.installed(weights(1))
        core.stepped(copies: 8, plan: RolloutPlan(expertActionProbability: 0.2, queryExpert: true))
        #expect(core.next(offered: nil, now: 0) == .awaitNextVersion(seconds: 10))
        #expect(core.next(offered: nil, now: 9.5) == .awaitNextVersion(seconds: 0.5))
        // A learner gone for the whole wait: another share with the version it has.
        #expect(core.next(offered: nil, now: 10) == .step(version: 1))
        core.installed(weights(2))
        core.stepped(copies: 8, plan: .policyOnly)
        #expect(core.next(offered: nil, now: 11) == .awaitNextVersion(seconds: 0.5), "GAIL's and PPO's plans ask no expert")
        #expect(core.next(offered: nil, now: 11.5) == .step(version: 2))
        var same = WorkerCore(stepsPerVersion: 8, versionWaitSeconds: 0.5)
        same.installed(weights(1))
        same.stepped(copies: 8, plan: RolloutPlan(expertActionProbability: 0.2, queryExpert: true))
        #expect(same.next(offered: nil, now: 0) == .awaitNextVersion(seconds: 0.5), "no query wait given: the one wait")
    }

    @Test("the learner's request for more data starts another share of the installed version once its share is in; other versions' requests change nothing")
    func learnerWantsMore() {
        var core = WorkerCore(stepsPerVersion: 16, versionWaitSeconds: 0.5, queryVersionWaitSeconds: 10)
        let plan = RolloutPlan(expertActionProbability: 1, queryExpert: true)
        core.learnerWantsMore(version: 1)
        #expect(core.next(offered: nil, now: 0) == .awaitFirstWeights, "nothing installed: nothing to collect with")
        core.installed(weights(3))
        core.stepped(copies: 8, plan: plan)
        core.learnerWantsMore(version: 3)
        core.stepped(copies: 8, plan: plan)
        #expect(core.next(offered: nil, now: 1) == .awaitNextVersion(seconds: 10), "asked mid-share: the share is still one share")
        core.learnerWantsMore(version: 2)
        core.learnerWantsMore(version: 4)
        #expect(core.next(offered: nil, now: 2) == .awaitNextVersion(seconds: 9), "a request for another version")
        core.learnerWantsMore(version: 3)
        #expect(core.next(offered: nil, now: 3) == .step(version: 3))
        core.stepped(copies: 8, plan: plan)
        #expect(core.next(offered: nil, now: 3.1) == .step(version: 3))
        core.stepped(copies: 8, plan: plan)
        #expect(core.next(offered: nil, now: 3.2) == .awaitNextVersion(seconds: 10), "one more share, then a fresh wait")
    }

    @Test("a request for the version it refused starts another share with the one it has (it would otherwise wait out the query wait)")
    func requestForARefusedVersion() {
        var core = WorkerCore(stepsPerVersion: 8, versionWaitSeconds: 0.5, queryVersionWaitSeconds: 10)
        core.installed(weights(1))
        core.stepped(copies: 8, plan: RolloutPlan(expertActionProbability: 1, queryExpert: true))
        core.refused(weights(2))
        #expect(core.next(offered: nil, now: 0) == .awaitNextVersion(seconds: 10))
        core.learnerWantsMore(version: 2)
        #expect(core.next(offered: nil, now: 0.5) == .step(version: 1))
    }

    @Test("version_wait_seconds 0: never waits, whatever the share")
    func noWait() {
        var core = WorkerCore(stepsPerVersion: 8, versionWaitSeconds: 0)
        core.installed(weights(1))
        for now in 0..<5 {
            core.stepped(envSteps: 100)
            #expect(core.next(offered: nil, now: Double(now)) == .step(version: 1))
        }
    }

    @Test("refused weights change nothing and are not tried again; the next version is; before any install, a refusal leaves it waiting")
    func refusals() {
        var core = WorkerCore(stepsPerVersion: 8, versionWaitSeconds: 0.5)
        #expect(core.next(offered: weights(1), now: 0) == .install(weights(1)))
        core.refused(weights(1))
        #expect(core.refusedWeights == 1)
        #expect(core.next(offered: weights(1), now: 0.1) == .awaitFirstWeights)
        #expect(core.next(offered: weights(2), now: 0.2) == .install(weights(2)))
        core.installed(weights(2))
        core.stepped(envSteps: 8)
        #expect(core.next(offered: weights(3), now: 0.3) == .install(weights(3)))
        core.refused(weights(3))
        // Version 2 goes on; its share is collected, and a refused offer is no reason not to wait.
        #expect(core.installed?.version == 2)
        #expect(core.next(offered: weights(3), now: 0.4) == .awaitNextVersion(seconds: 0.5))
        // The same version number from another run (a learner started afresh) is new weights.
        #expect(core.next(offered: weights(3, run: "run-b"), now: 0.5) == .install(weights(3, run: "run-b")))
    }
}
