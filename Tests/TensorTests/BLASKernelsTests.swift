import CBLAS
import CKernels
import Foundation
import Testing

@testable import Tensor

@Suite struct BLASKernelsTests {
    static let dynamic = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64"
    static let avx512 = XTAL_CPU_AVX | XTAL_CPU_AVX2_FMA | XTAL_CPU_AVX512

    /// OpenBLAS's fallback on a CPU with wider vectors is replaced by the kernels of its widest set.
    @Test func theGenericFallbackIsReplacedByTheWidestKernelsTheCPUHas() {
        func replacement(_ features: UInt32) -> String? {
            BLASKernels.replacement(picked: "Prescott", config: Self.dynamic, chosenByUser: false, features: features)
        }
        #expect(replacement(Self.avx512 | XTAL_CPU_AVX512_BF16) == "Cooperlake")
        #expect(replacement(Self.avx512) == "SkylakeX")
        #expect(replacement(XTAL_CPU_AVX | XTAL_CPU_AVX2_FMA) == "Haswell")
        #expect(replacement(XTAL_CPU_AVX) == "SandyBridge")
        #expect(replacement(0) == nil, "an SSE-only CPU keeps the SSE kernels")
    }

    /// Kernels OpenBLAS picked itself, kernels the user named, and builds for one CPU are left alone.
    @Test func otherwiseTheKernelsStay() {
        func replacement(picked: String, config: String = Self.dynamic, chosenByUser: Bool = false) -> String? {
            let features = Self.avx512 | XTAL_CPU_AVX512_BF16
            return BLASKernels.replacement(
                picked: picked, config: config, chosenByUser: chosenByUser, features: features)
        }
        #expect(replacement(picked: "Cooperlake") == nil)
        #expect(replacement(picked: "Prescott", chosenByUser: true) == nil)
        let singleCPU = "OpenBLAS 0.3.21 NO_LAPACKE NO_AFFINITY Prescott MAX_THREADS=64"
        #expect(replacement(picked: "Prescott", config: singleCPU) == nil, "a build for one CPU cannot switch")
    }

    /// In this process, products run on the kernels `replacement` names whenever OpenBLAS fell back (on
    /// Emerald Rapids under Debian 12's OpenBLAS, for one): afterwards there is nothing left to replace.
    @Test func productsRunOnTheReplacementKernels() {
        let product = Tensor<Float>(shape: [2, 2], values: [1, 2, 3, 4]).matmul(Tensor(shape: [2, 1], values: [1, 1]))
        #expect(product.values == [3, 7])
        let core = BLASKernels.coreName
        let left = BLASKernels.replacement(
            picked: core, config: String(cString: openblas_get_config()),
            chosenByUser: getenv("OPENBLAS_CORETYPE") != nil, features: xtal_cpu_vector_features())
        #expect(left == nil, "products run on OpenBLAS's \(core) kernels where \(left ?? "") were chosen")
    }

    /// The instruction sets read through the compiler's CPU checks are the ones the kernel lists for this CPU.
    @Test func cpuFeaturesAgreeWithProcCpuinfo() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
        let features = xtal_cpu_vector_features()
        #expect((features & XTAL_CPU_AVX != 0) == flags.contains("avx"))
        #expect((features & XTAL_CPU_AVX2_FMA != 0) == (flags.contains("avx2") && flags.contains("fma")))
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        #expect((features & XTAL_CPU_AVX512 != 0) == avx512)
        #expect((features & XTAL_CPU_AVX512_BF16 != 0) == flags.contains("avx512_bf16"))
    }
}
