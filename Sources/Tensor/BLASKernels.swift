import CBLAS
import CKernels
import Glibc

/// OpenBLAS's kernel set for this CPU, and the way past its generic fallback.
///
/// OpenBLAS built for many CPUs (`DYNAMIC_ARCH`, as Debian ships it) picks its kernels when it loads, from the
/// CPU's model number. A CPU newer than the library can get the x86-64 fallback, `Prescott`, whose SSE3 kernels
/// leave AVX-512 unused: Intel Emerald Rapids (family 6, model 207) under Debian 12's OpenBLAS 0.3.21, measured
/// there: a Linear layer's one-thread products at 300 000 rows ran at 22–28 GFLOP/s against 89–92 with the
/// kernels OpenBLAS picks for Sapphire Rapids (Cooperlake; `scripts/bench/sgemm`), and an epoch of coGN training
/// on MatBench phonons took 7.3–7.8 s against 2.5–2.9 s. So before the first product of a process
/// (`Parallelism.prepareBLAS`), a fallback is replaced by the kernels of the CPU's widest instruction set, chosen
/// by OpenBLAS's own loader (`gotoblas_dynamic_init`) under the variable it reads for a user's choice
/// (`OPENBLAS_CORETYPE`, set for that call only). Every process of a run, test processes included, makes the
/// same choice on the same CPU. Products round differently under different kernels, as on different CPUs; they
/// still do not depend on the thread count.
public enum BLASKernels {
    /// The kernel set OpenBLAS uses for this process's products (`openblas_get_corename()`: "Cooperlake", …),
    /// after the fallback is replaced.
    public static var coreName: String {
        _ = chosen
        return String(cString: openblas_get_corename())
    }

    /// Replaces a fallback once per process (`replaceFallback`); read before every product.
    static let chosen: Void = replaceFallback()

    /// Reloads OpenBLAS's kernel table with the kernels `replacement` names, if it names any.
    ///
    /// OpenBLAS's loader functions are looked up at run time, as `Parallelism.stopBLASThreads` does: a build
    /// without them (for one CPU) keeps its kernels. The table is only read inside BLAS calls, and none runs yet.
    private static func replaceFallback() {
        let picked = String(cString: openblas_get_corename())
        guard
            let core = replacement(
                picked: picked, config: String(cString: openblas_get_config()),
                chosenByUser: getenv("OPENBLAS_CORETYPE") != nil, features: xtal_cpu_vector_features()),
            let quit = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_quit"),
            let load = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_init")
        else { return }
        typealias Call = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", core, 1)
        unsafeBitCast(quit, to: Call.self)()
        unsafeBitCast(load, to: Call.self)()
        unsetenv("OPENBLAS_CORETYPE")
    }

    /// The `OPENBLAS_CORETYPE` to use instead of the kernels OpenBLAS `picked`, or nil to keep them.
    ///
    /// Only when OpenBLAS fell back to its generic `Prescott` kernels, can switch (`config`, from
    /// `openblas_get_config()`, lists `DYNAMIC_ARCH`), the user has not named kernels (`chosenByUser`), and the CPU
    /// has wider ones (`features`, XTAL_CPU_* bits). The choice is the fallback later OpenBLAS versions make
    /// themselves for CPUs they do not know: AVX-512 with BF16 → `Cooperlake` (what 0.3.21 picks on Sapphire
    /// Rapids), AVX-512 → `SkylakeX`, AVX2 with FMA → `Haswell`, AVX → `SandyBridge`.
    static func replacement(picked: String, config: String, chosenByUser: Bool, features: UInt32) -> String? {
        guard picked == "Prescott", config.split(separator: " ").contains("DYNAMIC_ARCH"), !chosenByUser else {
            return nil
        }
        if features & XTAL_CPU_AVX512 != 0 { return features & XTAL_CPU_AVX512_BF16 != 0 ? "Cooperlake" : "SkylakeX" }
        if features & XTAL_CPU_AVX2_FMA != 0 { return "Haswell" }
        if features & XTAL_CPU_AVX != 0 { return "SandyBridge" }
        return nil
    }
}
