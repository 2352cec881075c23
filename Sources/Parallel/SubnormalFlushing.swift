#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` on this thread with subnormal floats flushed to zero — results that would be subnormal become zero
/// (FTZ), and subnormal operands are read as zero (DAZ) — then restores the thread's previous mode.
///
/// Intel cores take a microcode assist of about a hundred cycles for each subnormal operand or result of a
/// multiply: a product of CGCNN's smallest Gaussian features (down to 1.2e-38, subnormals themselves already
/// cleared where they are made) with weights below 1 lands there, and OpenBLAS's sgemm spent 40 % of `xtal predict`
/// on the dielectric set in assists (Sapphire Rapids, one thread: 2.7 s, 1.6 s flushed). AMD's Zen cores pay
/// little. PyTorch offers the same switch (`torch.set_flush_denormal`); its benchmarks here set it.
/// The mode is per thread, so `parallelFor` sets it on every thread that runs its work, the caller included:
/// every element an op computes is then computed in one mode whatever the thread count. Values below 1.2e-38
/// (Float) or 2.2e-308 (Double) become zero; nothing else changes. x86-64 (MXCSR) and arm64 (FPCR.FZ) on Linux;
/// elsewhere `body` runs as it is.
@inline(__always)
public func withSubnormalsFlushed<R>(_ body: () throws -> R) rethrows -> R {
    #if os(Linux) && arch(x86_64)
        var saved = fenv_t()
        fegetenv(&saved)
        var flushed = saved
        flushed.__mxcsr |= 0x8040  // FTZ (bit 15) and DAZ (bit 6)
        if flushed.__mxcsr != saved.__mxcsr { fesetenv(&flushed) }
        defer { if flushed.__mxcsr != saved.__mxcsr { fesetenv(&saved) } }
        return try body()
    #elseif os(Linux) && arch(arm64)
        var saved = fenv_t()
        fegetenv(&saved)
        var flushed = saved
        flushed.__fpcr |= 1 << 24  // FZ
        if flushed.__fpcr != saved.__fpcr { fesetenv(&flushed) }
        defer { if flushed.__fpcr != saved.__fpcr { fesetenv(&saved) } }
        return try body()
    #else
        return try body()
    #endif
}
