import CBLAS
import NexusErrors

/// The matrix products Nexus needs, as OpenBLAS calls on row-major `Float` buffers.
/// `C = alpha · op(A) · op(B) + beta · C` with A `[m, k]` after op, B `[k, n]` after op.
enum BLAS {
    /// OpenBLAS starts as many threads as cores, and they spin while they wait: with Nexus's
    /// own parallelism (processes, tasks, parallel tests) that oversubscribes the machine badly
    /// (the test suite ran over 4× slower). Nexus uses one BLAS thread unless told otherwise;
    /// every network touches this before its first product.
    static let singleThreadedByDefault: Void = { openblas_set_num_threads(1) }()

    @inline(__always)
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// `y = alpha · A · x + beta · y` for a row-major `[m, n]` matrix A (no transpose).
    @inline(__always)
    static func gemv(m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(m), blasint(n), alpha, a, blasint(lda), x, 1, beta, y, 1)
    }

    /// The number of threads OpenBLAS uses; Nexus defaults to one (its processes already
    /// run in parallel) and `NexusNN.configureThreads` changes it.
    static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    /// OpenBLAS's name for the kernel it picked for this CPU (e.g. "Haswell", "Prescott").
    static var coreName: String { String(cString: openblas_get_corename()) }
}

public enum NexusNN {
    /// Sets the OpenBLAS thread count (default 1).
    public static func configureThreads(_ count: Int) {
        BLAS.singleThreadedByDefault
        BLAS.setThreads(max(1, count))
    }

    /// The OpenBLAS kernel in use, for benchmark reports.
    public static var blasKernel: String { BLAS.coreName }

    /// Checks OpenBLAS's matrix product against a double-precision reference: a kernel that
    /// miscomputes on this CPU is caught before it trains anything.
    public static func verifyBLAS() throws {
        var random = RandomSource(seed: 2)
        let (m, n, k) = (33, 47, 71)
        let a = (0..<(m * k)).map { _ in random.nextFloat() }
        let b = (0..<(n * k)).map { _ in random.nextFloat() }
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transposeA: false, transposeB: true, m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: k, beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                let reference = (0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(b[j * k + $1]) }
                guard abs(Double(c[i * n + j]) - reference) < 1e-4 else {
                    throw BLASError(description: "OpenBLAS kernel \(blasKernel) computes C[\(i),\(j)] = \(c[i * n + j]), the reference is \(reference): set OPENBLAS_CORETYPE to a kernel that works on this CPU")
                }
            }
        }
    }
}

public typealias BLASError = DescribedError<BLASProblem>
public enum BLASProblem {}
