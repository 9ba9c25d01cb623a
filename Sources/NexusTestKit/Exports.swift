// Tests reach the sample messages through the test kit; the benchmarks (shipped in `nexus`)
// depend on NexusSampleData alone, so no test helper ends up in the binary.
@_exported import NexusSampleData
