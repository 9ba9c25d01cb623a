import Foundation
import NexusTransport
import Testing

@testable import NexusRuntime

@Suite("Role security")
struct RoleSecurityTests {
    @Test("auto: CURVE exactly where traffic may leave the machine; keys are read from the directory, with clear errors")
    func modes() throws {
        var settings = RunConfig.SecuritySettings()
        let auto = RoleSecurity(settings)
        #expect(!auto.usesCurve(try Endpoint(parsing: "tcp://127.0.0.1:5555")))
        #expect(!auto.usesCurve(try Endpoint(parsing: "ipc:///tmp/x")))
        #expect(auto.usesCurve(try Endpoint(parsing: "tcp://10.1.2.3:5555")))
        #expect(auto.usesCurve(try Endpoint(parsing: "tcp://0.0.0.0:5555")))
        #expect(try auto.client(try Endpoint(parsing: "tcp://127.0.0.1:5555")).security == .none)
        #expect(throws: RuntimeError.self) { try auto.client(try Endpoint(parsing: "tcp://10.1.2.3:5555")) }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-keys-\(UUID().uuidString)").path
        try KeyFiles.generate(in: directory)
        #expect(throws: RuntimeError.self) { try KeyFiles.generate(in: directory) }
        settings.keys = directory
        settings.mode = .curve
        let curve = RoleSecurity(settings)
        let client = try curve.client(try Endpoint(parsing: "tcp://127.0.0.1:5555"))
        let serverKey = try CurveKey(z85: try String(contentsOfFile: directory + "/server.pub", encoding: .utf8))
        guard case .curveClient(_, let key) = client.security else { Issue.record("not a CURVE client"); return }
        #expect(key == serverKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/client.key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        settings.mode = .none
        #expect(try RoleSecurity(settings).server(try Endpoint(parsing: "tcp://10.1.2.3:5555")).security == .none)
        try "public nonsense\n".write(toFile: directory + "/client.key", atomically: true, encoding: .utf8)
        #expect(throws: RuntimeError.self) { try curve.client(try Endpoint(parsing: "tcp://127.0.0.1:5555")) }
    }
}
