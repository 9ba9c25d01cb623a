import Testing

@testable import NexusNN

@Suite("BLAS kernel selection")
struct BLASKernelSelectionTests {
    static let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]

    @Test func genericFallbackOnAnAVX512CPUSelectsSkylakeX() {
        #expect(BLASKernelSelection.override(currentKernel: "Prescott", cpuFlags: Self.avx512, environment: [:]) == "SkylakeX")
    }

    @Test func genericFallbackOnAnAVX2CPUSelectsHaswell() {
        #expect(BLASKernelSelection.override(currentKernel: "Prescott", cpuFlags: ["avx", "avx2", "fma"], environment: [:]) == "Haswell")
    }

    @Test func aRecognisedCPUKeepsOpenBLASsChoice() {
        #expect(BLASKernelSelection.override(currentKernel: "Zen", cpuFlags: Self.avx512, environment: [:]) == nil)
        #expect(BLASKernelSelection.override(currentKernel: "SkylakeX", cpuFlags: Self.avx512, environment: [:]) == nil)
    }

    @Test func theEnvironmentAlwaysWins() {
        #expect(BLASKernelSelection.override(currentKernel: "Prescott", cpuFlags: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Haswell"]) == nil)
        // No second restart, whatever the kernel then is.
        #expect(BLASKernelSelection.override(currentKernel: "Prescott", cpuFlags: Self.avx512, environment: ["NEXUS_BLAS_RESTARTED": "1"]) == nil)
    }

    @Test func anOldCPUStaysGeneric() {
        #expect(BLASKernelSelection.override(currentKernel: "Prescott", cpuFlags: ["sse2", "sse3"], environment: [:]) == nil)
    }

    @Test func flagsAreReadFromCpuinfo() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx2 fma avx512f\nbugs\t\t: none\n"
        #expect(BLASKernelSelection.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse2", "avx2", "fma", "avx512f"])
        #expect(BLASKernelSelection.cpuFlags(cpuinfo: nil).isEmpty)
    }
}
