/// A worker's id from `--worker-id`: a number, or `auto` for one derived from the host name
/// (Kubernetes Deployment pods and Slurm tasks have unique names but no ordinal). Ids seed
/// the worker's environments and name its routing id; two workers with one id would collect
/// the same episodes.
public enum WorkerIdentity {
    public static func parse(_ text: String, hostName: String) throws -> UInt32 {
        if text == "auto" { return derived(from: hostName) }
        guard let id = UInt32(text), id > 0 else {
            throw RuntimeError("--worker-id \(text) is neither a positive number nor auto")
        }
        return id
    }

    /// FNV-1a of the name, folded into 1...2^31 − 1 (collisions: about n² / 2^32 for n workers).
    public static func derived(from name: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash % 2_147_483_647 + 1
    }
}
