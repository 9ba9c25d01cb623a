import Testing

@testable import NexusEnvironments

@Suite("Declared unsafe regions")
struct UnsafeRegionTests {
    static func contains(_ region: UnsafeRegion, _ state: [Float]) -> Bool { state.withUnsafeBufferPointer { region.contains($0) } }

    @Test("a state is unsafe when it crosses any bound; on the bound itself it is not")
    func anyBoundCrossed() throws {
        let region = try UnsafeRegion(parsing: ["obs[0] < -1.1", " obs[2]>0.15 "], observationDim: 3)
        #expect(region.bounds == [.init(dimension: 0, below: true, limit: -1.1), .init(dimension: 2, below: false, limit: 0.15)])
        #expect(!Self.contains(region, [0, 100, 0]))
        #expect(Self.contains(region, [-1.2, 0, 0]) && Self.contains(region, [0, 0, 0.2]) && Self.contains(region, [-2, 0, 1]))
        #expect(!Self.contains(region, [-1.1, 0, 0.15]))
        #expect(region.description == "obs[0] < -1.1 or obs[2] > 0.15")
    }

    @Test("no bounds: nothing is unsafe")
    func emptyRegion() throws {
        let region = try UnsafeRegion(parsing: [])
        #expect(region.isEmpty && region == .none && !Self.contains(region, [1e30, -1e30]) && region.description == "none")
    }

    @Test("a line that is not obs[I] < V or obs[I] > V, or an index past the observation, is named",
          arguments: [("obs[0] =< 1", "is not obs[I] < V"), ("x[0] < 1", "is not obs[I] < V"), ("obs[-1] < 1", "is not obs[I] < V"),
                      ("obs[0] < inf", "is not obs[I] < V"), ("obs[0] < nan", "is not obs[I] < V"), ("obs[0]", "is not obs[I] < V"),
                      ("obs[a] > 1", "is not obs[I] < V"), ("obs[4] > 1", "the observations have 4 dimensions (obs[0] to obs[3])")])
    func badLines(line: String, message: String) {
        #expect(throws: EnvironmentError.self) { try UnsafeRegion(parsing: [line], observationDim: 4) }
        do { _ = try UnsafeRegion(parsing: [line], observationDim: 4) } catch { #expect("\(error)".contains(message) && "\(error)".contains(line), "\(error)") }
    }

    @Test("without the observation's width only the form is checked")
    func formOnly() throws {
        #expect(try UnsafeRegion(parsing: ["obs[40] > 1"]).bounds.first?.dimension == 40)
        // A shorter state than the bound names (never given by Nexus) is not unsafe by it.
        #expect(!Self.contains(try UnsafeRegion(parsing: ["obs[40] > 1"]), [5]))
    }

    @Test("a MuJoCo robot's falls (v5's unhealthy states) and HalfCheetah's flip are its default region, by family; other environments, or keyword arguments that move the observation or the healthy ranges, have none")
    func muJoCoRegions() throws {
        #expect(GymEnvironmentID.family("gym:my_robots:Hopper-v4") == "Hopper" && GymEnvironmentID.family("gym:Ant-v5") == "Ant")
        #expect(GymEnvironmentID.family("Pendulum-v1") == nil)
        let hopper = try UnsafeRegion(parsing: try #require(MuJoCoUnsafeRegions.bounds(for: "gym:Hopper-v5")), observationDim: 11)
        #expect(Self.contains(hopper, [0.69, 0] + [Float](repeating: 0, count: 9)) && Self.contains(hopper, [1.25, 0.21] + [Float](repeating: 0, count: 9)))
        #expect(!Self.contains(hopper, [1.25, 0.19] + [Float](repeating: 0, count: 9)))
        for family in ["Walker2d-v5", "Ant-v5", "HalfCheetah-v5"] {
            #expect(try !UnsafeRegion(parsing: try #require(MuJoCoUnsafeRegions.bounds(for: "gym:" + family)), observationDim: 17).isEmpty)
        }
        let cheetah = try UnsafeRegion(parsing: try #require(MuJoCoUnsafeRegions.bounds(for: "gym:HalfCheetah-v5")), observationDim: 17)
        #expect(Self.contains(cheetah, [0, 3.3] + [Float](repeating: 0, count: 15)) && !Self.contains(cheetah, [0, 0.42] + [Float](repeating: 0, count: 15)))
        #expect(MuJoCoUnsafeRegions.bounds(for: "gym:Swimmer-v5") == nil && MuJoCoUnsafeRegions.bounds(for: "Pendulum-v1") == nil)
        #expect(MuJoCoUnsafeRegions.bounds(for: "gym:Hopper-v5", kwargs: ["exclude_current_positions_from_observation": "false"]) == nil)
        #expect(MuJoCoUnsafeRegions.bounds(for: "gym:Ant-v5", kwargs: ["include_cfrc_ext_in_observation": "false"]) != nil)
    }
}
