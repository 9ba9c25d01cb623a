import Foundation
import NexusTransport

#if canImport(Glibc)
import Glibc
#endif

func temporaryIPCEndpoint(_ name: String) throws -> Endpoint {
    try Endpoint(parsing: "ipc:///tmp/nexus-test-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))")
}
