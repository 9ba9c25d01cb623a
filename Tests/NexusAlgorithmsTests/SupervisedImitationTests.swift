import NexusDemonstrations
import NexusEnvironments
import NexusTestKit
import NexusWire
import Testing

@testable import NexusAlgorithms

@Suite("Supervised imitation")
struct SupervisedImitationTests {
    @Test("BC from 20 expert episodes reaches 475 on CartPole-v1", arguments: [UInt64(1), 2])
    func behaviourCloning(seed: UInt64) async throws {
        let mean = try await offCooperativePool {
            let demos = DemonstrationRecorder.record(CartPole.self, expert: CartPoleExpert(), episodes: 20, seed: seed, nexusVersion: "test")
            var settings = ImitationSettings()
            settings.seed = seed
            let bc = SupervisedImitation(mode: .behaviourCloning, spec: CartPole.spec, settings: settings, demonstrations: demos.episodes)
            #expect(!bc.usesWorkers && bc.rolloutPlan == .policyOnly)
            for _ in 0..<5 { _ = bc.trainIteration() }
            return try PolicyEvaluation.run(bc.policy, envID: "CartPole-v1", episodes: 20, seed: 77).meanReturn
        }
        #expect(mean >= 475)
    }

    @Test("a restored checkpoint continues bit for bit", arguments: [Float(0), 0.99])
    func checkpointContinuesExactly(weightAverage: Float) throws {
        let demos = DemonstrationRecorder.record(Pendulum.self, expert: PendulumExpert(), episodes: 2, seed: 3, nexusVersion: "test")
        var settings = ImitationSettings()
        settings.training.gradientStepsPerIteration = 20
        settings.policy.weightAverage = weightAverage
        let original = SupervisedImitation(mode: .behaviourCloning, spec: Pendulum.spec, settings: settings, demonstrations: demos.episodes)
        _ = original.trainIteration()
        let (tensors, random) = original.checkpointState()
        let models = original.models()
        let restored = SupervisedImitation(mode: .behaviourCloning, spec: Pendulum.spec, settings: settings, demonstrations: [])
        try restored.restore(models: models, tensors: tensors, random: random, iteration: original.iteration)
        _ = original.trainIteration()
        _ = restored.trainIteration()
        #expect(original.models() == restored.models())
        #expect(restored.iteration == 2)
    }

    @Test("averaging leaves the optimiser's path alone; the policy between fits holds the average")
    func weightAveraging() throws {
        let demos = DemonstrationRecorder.record(Pendulum.self, expert: PendulumExpert(), episodes: 2, seed: 3, nexusVersion: "test")
        var settings = ImitationSettings()
        settings.training.gradientStepsPerIteration = 30
        settings.policy.weightAverage = 0
        let plain = SupervisedImitation(mode: .behaviourCloning, spec: Pendulum.spec, settings: settings, demonstrations: demos.episodes)
        settings.policy.weightAverage = 0.9
        let averaged = SupervisedImitation(mode: .behaviourCloning, spec: Pendulum.spec, settings: settings, demonstrations: demos.episodes)
        for _ in 0..<3 {
            _ = plain.trainIteration()
            _ = averaged.trainIteration()
            // Compared whole, not printed: a failure would list every weight.
            let iterate = plain.policy.mlp.parameters.values
            #expect(plain.fitterIterate == nil)
            #expect(Bool(averaged.fitterIterate == iterate), "the optimiser's iterate moved with averaging on")
            let published = averaged.policy.mlp.parameters.values
            #expect(Bool(published != iterate))
            #expect(Bool(published == averaged.fitterAverage), "the policy does not hold the average")
        }
    }

    @Test("past its capacity the dataset is a uniform reservoir sample: the first labels keep their share")
    func datasetReservoir() throws {
        // 1,000 rows of 10,000 labels, 400 times: each label should be kept with probability 0.1,
        // the first 1,000 (expert-driven in DAgger) as much as the last 1,000 (a ring kept none).
        var keptFirst = 0, keptLast = 0
        for trial in 0..<400 {
            var dataset = LabelledDataset(observationDim: 1, labelDim: 1, capacity: 1_000, seed: UInt64(trial))
            for value in 0..<10_000 { dataset.append(observation: [Float(value)], label: [Float(value)]) }
            #expect(dataset.count == 1_000 && dataset.discarded == 9_000)
            keptFirst += dataset.labels.filter { $0 < 1_000 }.count
            keptLast += dataset.labels.filter { $0 >= 9_000 }.count
        }
        // Expected 40,000 each; binomial sd ≈ 190 (rows are not independent, a little more).
        #expect(abs(keptFirst - 40_000) < 1_500, "first labels kept: \(keptFirst)")
        #expect(abs(keptLast - 40_000) < 1_500, "last labels kept: \(keptLast)")
    }

    @Test func datasetBoundAndCheckpoint() throws {
        var dataset = LabelledDataset(observationDim: 2, labelDim: 1, capacity: 3)
        for value in 0..<5 { dataset.append(observation: [Float(value), 0], label: [Float(value)]) }
        #expect(dataset.count == 3 && dataset.added == 5 && dataset.discarded == 2)
        var again = LabelledDataset(observationDim: 2, labelDim: 1, capacity: 3)
        for value in 0..<5 { again.append(observation: [Float(value), 0], label: [Float(value)]) }
        #expect(again == dataset, "the reservoir's draws depend only on the seed and the label's number")
        var copy = LabelledDataset(observationDim: 2, labelDim: 1, capacity: 3)
        try copy.restore(from: dataset.tensors(prefix: "d"), prefix: "d")
        #expect(copy == dataset)
        var wrong = LabelledDataset(observationDim: 3, labelDim: 1, capacity: 3)
        #expect(throws: WireError.self) { try wrong.restore(from: dataset.tensors(prefix: "d"), prefix: "d") }
        let (shift, scale) = dataset.normalisation()
        #expect(shift == [dataset.labels.reduce(0, +) / 3, 0])
        #expect(scale[1] == 100)  // a constant column: std floored at 0.01
    }
}
