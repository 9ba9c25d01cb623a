import NexusDemonstrations
import NexusEnvironments
import NexusTestKit
import NexusWire
import Testing

@testable import NexusAlgorithms

/// DAgger's labels are the most expensive thing in the system: none is silently lost.
@Suite("DAgger keeps its labels")
struct DAggerLabelsTests {
    @Test("after 100 iterations the dataset still holds the first iteration's labels, in full")
    func firstLabelsSurvive() async throws {
        let (first, final, iterations) = try await offCooperativePool { () throws -> ([Float], LabelledDataset, Int) in
            var settings = ImitationSettings()
            settings.training.samplesPerIteration = 64
            settings.training.gradientStepsPerIteration = 5
            let dagger = SupervisedImitation(mode: .dagger, spec: CartPole.spec, settings: settings)
            var run = InProcessRunner.Settings(envID: "CartPole-v1", targetReturn: .infinity)
            run.envs = 8
            run.segmentSteps = 8  // 64 labels per collection: one iteration each
            run.evalEvery = 1_000
            run.maxEnvSteps = 101 * 64
            var first: [Float] = []
            _ = try InProcessRunner(settings: run, expert: CartPoleExpert()).run(dagger) { _ in
                if first.isEmpty { first = dagger.dataset.labels }
            }
            return (first, dagger.dataset, dagger.iteration)
        }
        #expect(iterations >= 100)
        #expect(!first.isEmpty)
        #expect(Array(final.labels.prefix(first.count)) == first)
        #expect(final.discarded == 0 && final.added == final.count)
    }

    @Test("DAgger with demonstrations clones them first, then keeps them beside its own labels")
    func daggerFromDemonstrations() throws {
        let demos = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 2, seed: 4, nexusVersion: "test")
        let dagger = SupervisedImitation(mode: .dagger, spec: CartPole.spec, settings: ImitationSettings(), demonstrations: demos.episodes)
        #expect(dagger.dataset.count == demos.totalSteps)
        #expect(dagger.readyToTrain, "the demonstrations are enough for a first iteration before any segment")
        #expect(dagger.rolloutPlan.expertActionProbability == 1)
        _ = dagger.trainIteration()
        #expect(dagger.rolloutPlan.expertActionProbability < 1)
        #expect(!dagger.readyToTrain)
        let summary = dagger.summaryFields()
        #expect(summary["labels_received"] as? Int == demos.totalSteps)
        #expect(summary["labels_discarded"] as? Int == 0)
    }
}
