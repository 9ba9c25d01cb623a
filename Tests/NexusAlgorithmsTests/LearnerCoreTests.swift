import NexusEnvironments
import NexusWire
import Testing

@testable import NexusAlgorithms

@Suite("The learner's decisions (LearnerCore)")
struct LearnerCoreTests {
    func core(_ change: (inout LearnerCore.Settings) -> Void = { _ in }) -> LearnerCore {
        var settings = LearnerCore.Settings()
        settings.evalEvery = 1
        settings.checkpointEvery = 2
        settings.targetReturn = 100
        settings.maxSeconds = 60
        change(&settings)
        return LearnerCore(settings: settings)
    }

    func evaluation(_ mean: Double) -> EvaluationSummary { EvaluationSummary(returns: [mean, mean], lengths: [10, 10]) }

    func record(_ directives: [LearnerCore.Directive]) -> IterationRecord? {
        for case .record(let record) in directives { return record }
        return nil
    }

    @Test("a segment is counted and ingested, with the expert answers behind its labels; one too old is counted and dropped")
    func segments() {
        var learner = core { $0.maxPolicyLag = 1 }
        #expect(learner.handle(.segment(policyVersion: 1, steps: 8, expertAnswers: 10, unsafeEvents: 1, episodeReturns: []), wallSeconds: 1) == [.ingest])
        #expect(learner.counters.envSteps == 8 && learner.counters.expertQueries == 10 && learner.counters.unsafeEvents == 1 && learner.counters.segments == 1)
        for iteration in 1...2 { _ = learner.handle(.trained(iteration: iteration, losses: []), wallSeconds: 2) }
        #expect(learner.version == 3)
        // Version 1 is two behind 3: counted, not learned from. A version never published (4) neither.
        #expect(learner.handle(.segment(policyVersion: 1, steps: 8, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 3) == [])
        #expect(learner.handle(.segment(policyVersion: 4, steps: 8, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 3) == [])
        #expect(learner.counters.staleSegmentsDropped == 2 && learner.counters.envSteps == 24)
        #expect(learner.handle(.segment(policyVersion: 2, steps: 8, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 3) == [.ingest])
        _ = learner.handle(.wrongKind, wallSeconds: 3)
        _ = learner.handle(.labelled(answers: 7), wallSeconds: 3)
        #expect(learner.counters.wrongKindMessages == 1 && learner.counters.expertQueries == 17)
    }

    @Test("an iteration publishes the next version and asks for an evaluation; the evaluation's row, checkpoint and best follow")
    func iterationAndEvaluation() {
        var learner = core()
        learner.training()
        #expect(learner.handle(.trained(iteration: 1, losses: [Metric(name: "loss", value: 0.5)]), wallSeconds: 5) == [.publish(version: 2), .evaluate])
        let first = learner.handle(.evaluated(evaluation(20), seconds: 0.25), wallSeconds: 6)
        #expect(first.count == 2 && first.last == .saveBest)
        let row = record(first)
        #expect(row?.iteration == 1 && row?.policyVersion == 2 && row?.evalReturnMean == 20 && row?.wallSeconds == 6)
        #expect(row?.losses.map(\.name) == ["loss", "eval_seconds"])
        // Iteration 2: a checkpoint (every 2); a worse return is not the best.
        _ = learner.handle(.trained(iteration: 2, losses: []), wallSeconds: 7)
        let second = learner.handle(.evaluated(evaluation(10), seconds: 0.25), wallSeconds: 8)
        #expect(second.count == 2 && second[1] == .checkpoint)
        #expect(learner.counters.bestEvalReturn == 20 && learner.counters.evalReturnMean == 10)
    }

    @Test("without an evaluation due, the row follows the iteration at once and keeps the last return; a failed evaluation leaves none")
    func evaluationEvery() {
        var learner = core { $0.evalEvery = 2; $0.checkpointEvery = 100 }
        _ = learner.handle(.trained(iteration: 1, losses: []), wallSeconds: 1)
        #expect(learner.handle(.trained(iteration: 2, losses: []), wallSeconds: 2) == [.publish(version: 3), .evaluate])
        _ = learner.handle(.evaluated(evaluation(30), seconds: 0.1), wallSeconds: 3)
        let third = learner.handle(.trained(iteration: 3, losses: []), wallSeconds: 4)
        #expect(third.first == .publish(version: 4) && record(third)?.evalReturnMean == 30)
        // The row has every column an evaluated one has (metrics.csv fixes them from its first row).
        #expect(record(third)?.losses.map(\.name) == ["eval_seconds"])
        _ = learner.handle(.trained(iteration: 4, losses: []), wallSeconds: 5)
        let failed = learner.handle(.evaluated(nil, seconds: 0.1), wallSeconds: 6)
        #expect(record(failed)?.evalReturnMean.isNaN == true)
        #expect(learner.counters.evalReturnMean == 30)
    }

    @Test("training episodes: every segment's ended episodes count, a stale one's too, none after the end; each row has the mean of its own, NaN when none ended")
    func trainingEpisodes() {
        var learner = core { $0.maxPolicyLag = 0; $0.evalEvery = 10 }
        _ = learner.handle(.segment(policyVersion: 1, steps: 8, expertAnswers: 0, unsafeEvents: 0, episodeReturns: [10, 20]), wallSeconds: 1)
        #expect(learner.counters.trainingEpisodes == 2 && learner.counters.trainingReturnMean == 15)
        let first = record(learner.handle(.trained(iteration: 1, losses: []), wallSeconds: 2))
        #expect(first?.trainReturnMean == 15)
        #expect(first?.columns().contains { $0.0 == "train_return_mean" && $0.1 == 15 } == true)
        // Version 1 is now stale (lag 0 allowed): dropped, its episode still the run's.
        #expect(learner.handle(.segment(policyVersion: 1, steps: 8, expertAnswers: 0, unsafeEvents: 0, episodeReturns: [60]), wallSeconds: 3) == [])
        #expect(learner.counters.trainingEpisodes == 3 && learner.counters.trainingReturnMean == 30)
        #expect(record(learner.handle(.trained(iteration: 2, losses: []), wallSeconds: 4))?.trainReturnMean == 60)
        #expect(record(learner.handle(.trained(iteration: 3, losses: []), wallSeconds: 5))?.trainReturnMean?.isNaN == true)
        _ = learner.handle(.stop(reason: "test"), wallSeconds: 6)
        _ = learner.handle(.segment(policyVersion: 4, steps: 8, expertAnswers: 0, unsafeEvents: 0, episodeReturns: [1000]), wallSeconds: 7)
        #expect(learner.counters.trainingEpisodes == 3)
        #expect(learner.counters.metrics.contains { $0.name == "training_return_mean" && $0.value == 30 })
    }

    @Test("the target: reached once, with what the policy was trained on; it finishes the run when stop_at_target says so")
    func target() {
        var learner = core()
        _ = learner.handle(.segment(policyVersion: 1, steps: 100, expertAnswers: 100, unsafeEvents: 2, episodeReturns: []), wallSeconds: 1)
        learner.training()
        _ = learner.handle(.trained(iteration: 1, losses: []), wallSeconds: 2)
        // Collected while it was evaluated: not what it was trained on.
        _ = learner.handle(.segment(policyVersion: 2, steps: 50, expertAnswers: 50, unsafeEvents: 0, episodeReturns: []), wallSeconds: 2.5)
        let reached = learner.handle(.evaluated(evaluation(150), seconds: 1), wallSeconds: 3)
        #expect(reached.last == .finish(reason: "reached target return 100.0"))
        #expect(learner.counters.envStepsToTarget == 100 && learner.counters.expertQueriesToTarget == 100 && learner.counters.unsafeEventsToTarget == 2)
        #expect(learner.counters.secondsToTarget == 3 && learner.counters.iterationsToTarget == 1 && !learner.isRunning)
        // After the end nothing counts or trains.
        #expect(learner.handle(.segment(policyVersion: 2, steps: 8, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 4) == [])
        #expect(learner.handle(.trained(iteration: 2, losses: []), wallSeconds: 4) == [])
        #expect(learner.counters.envSteps == 150)

        var going = core { $0.stopAtTarget = false }
        _ = going.handle(.trained(iteration: 1, losses: []), wallSeconds: 1)
        #expect(!going.handle(.evaluated(evaluation(150), seconds: 1), wallSeconds: 2).contains(.finish(reason: "reached target return 100.0")))
        #expect(going.isRunning && going.counters.reachedTarget)
        _ = going.handle(.trained(iteration: 2, losses: []), wallSeconds: 3)
        _ = going.handle(.evaluated(evaluation(200), seconds: 1), wallSeconds: 4)
        #expect(going.counters.iterationsToTarget == 1, "reached once")
    }

    @Test("the limits: time (on a tick), iterations, env steps; a stop from outside; each finishes once")
    func limits() {
        var timed = core()
        #expect(timed.handle(.tick, wallSeconds: 59) == [])
        #expect(timed.handle(.tick, wallSeconds: 60) == [.finish(reason: "reached max_seconds 60.0")])
        #expect(timed.handle(.tick, wallSeconds: 61) == [])
        #expect(timed.handle(.stop(reason: "signal"), wallSeconds: 61) == [])
        #expect(timed.finishReason == "reached max_seconds 60.0")

        var counted = core { $0.iterationLimit = 2; $0.evalEvery = 100 }
        _ = counted.handle(.trained(iteration: 1, losses: []), wallSeconds: 1)
        #expect(counted.handle(.trained(iteration: 2, losses: []), wallSeconds: 2).last == .finish(reason: "completed 2 iterations"))

        var budget = core { $0.totalEnvSteps = 100; $0.evalEvery = 100 }
        _ = budget.handle(.segment(policyVersion: 1, steps: 120, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 1)
        #expect(budget.handle(.trained(iteration: 1, losses: []), wallSeconds: 2).last == .finish(reason: "reached total_env_steps 100"))

        var stopped = core()
        #expect(stopped.handle(.stop(reason: "stop requested"), wallSeconds: 1) == [.finish(reason: "stop requested")])
    }

    @Test("rows carry throughput, policy lag and the training episodes' return since the previous row (workers' algorithms only), and the columns in order")
    func rows() {
        var learner = core { $0.evalEvery = 100; $0.checkpointEvery = 100 }
        _ = learner.handle(.trained(iteration: 1, losses: []), wallSeconds: 10)
        _ = learner.handle(.segment(policyVersion: 1, steps: 200, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 11)
        _ = learner.handle(.segment(policyVersion: 2, steps: 200, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 11)
        let row = record(learner.handle(.trained(iteration: 2, losses: [Metric(name: "loss", value: 1)]), wallSeconds: 14))
        #expect(row?.envStepsPerSecond == 100 && row?.policyLag == 0.5)
        let columns = row?.columns(network: [Metric(name: "rejected_messages", value: 3)]).map(\.0)
        #expect(columns == ["iteration", "wall_seconds", "env_steps", "expert_queries", "unsafe_events", "policy_version", "loss", "eval_seconds",
                            "env_steps_per_second", "policy_lag", "train_return_mean", "rejected_messages", "eval_return_mean", "eval_return_std"])
        var offline = core { $0.usesWorkers = false; $0.evalEvery = 100 }
        let bc = record(offline.handle(.trained(iteration: 1, losses: []), wallSeconds: 1))
        #expect(bc?.envStepsPerSecond == nil && bc?.columns(network: [Metric(name: "rejected_messages", value: 3)]).count == 9)
    }

    @Test("a resumed run goes on from its checkpoint's counters, version and iteration; its clock too")
    func resumed() {
        var counters = LearnerCounters()
        counters.envSteps = 1000
        counters.wallSecondsBefore = 50
        var settings = LearnerCore.Settings()
        settings.evalEvery = 100
        var learner = LearnerCore(settings: settings, counters: counters, version: 7, iteration: 5)
        #expect(learner.wallSeconds(sinceStart: 2) == 52)
        _ = learner.handle(.segment(policyVersion: 7, steps: 100, expertAnswers: 0, unsafeEvents: 0, episodeReturns: []), wallSeconds: 52)
        let row = record(learner.handle(.trained(iteration: 6, losses: []), wallSeconds: 52))
        #expect(row?.iteration == 6 && row?.policyVersion == 8 && row?.envSteps == 1100 && row?.envStepsPerSecond == 50)
    }
}
