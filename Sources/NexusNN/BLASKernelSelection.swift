import Foundation

/// Debian's OpenBLAS 0.3.21 does not recognise some current CPUs (an AVX-512 Xeon of family
/// 6 model 207, for one) and falls back to its generic Prescott kernel, 4–5× slower. It reads
/// `OPENBLAS_CORETYPE` only when the library loads, so a process cannot fix this for itself
/// once running: `nexus` calls `restartWithBetterKernelIfNeeded()` first thing, which re-executes
/// the same binary with the variable set when, and only when, OpenBLAS fell back to a generic
/// kernel on a CPU whose flags support a better one. A variable already in the environment is
/// always respected (some machines set it because older builds miscompute on them).
public enum BLASKernelSelection {
    /// Kernels OpenBLAS falls back to when it does not know the CPU.
    static let genericKernels: Set<String> = ["prescott", "katmai", "core2", "nehalem", "barcelona", "generic"]

    /// The `OPENBLAS_CORETYPE` to run with, or nil to keep OpenBLAS's own choice.
    public static func override(currentKernel: String, cpuFlags: Set<String>, environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["NEXUS_BLAS_RESTARTED"] == nil else { return nil }
        guard genericKernels.contains(currentKernel.lowercased()) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The flags line of /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let line = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Re-executes this process with a better kernel when `override` says so; otherwise returns.
    public static func restartWithBetterKernelIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard let kernel = override(currentKernel: BLAS.coreName, cpuFlags: cpuFlags(), environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", kernel, 1)
        setenv("NEXUS_BLAS_RESTARTED", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached if exec failed: carry on with the slow kernel rather than not at all.
        FileHandle.standardError.write(Data("nexus: could not restart with OPENBLAS_CORETYPE=\(kernel) (errno \(errno)); continuing with OpenBLAS's \(BLAS.coreName) kernel\n".utf8))
    }
}
