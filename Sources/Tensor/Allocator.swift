/// The C allocator's handling of the large, short-lived arrays tensor ops make.
public enum Allocator {
    /// Keeps freed blocks of up to 1 GiB in the process's heap instead of returning them to the kernel.
    ///
    /// glibc serves blocks above its mmap threshold (at most 32 MiB by default) with fresh mappings and
    /// unmaps them when freed, so every op's output and every gradient of a training step page-faulted and was
    /// zeroed by the kernel again (8 % of a CGCNN training profile). Raising the threshold and the trim
    /// threshold lets the next step reuse the memory; the price is that the process keeps its peak size.
    /// Call once at the start of a process that trains or predicts; elsewhere than Linux it does nothing.
    public static func retainFreedBlocks() {
        #if os(Linux)
            // <malloc.h>, which Swift's Glibc module does not export: M_TRIM_THRESHOLD −1, M_MMAP_THRESHOLD −3.
            _ = glibcMallopt(-3, 1 << 30)
            _ = glibcMallopt(-1, Int32.max)
        #endif
    }
}

#if os(Linux)
    /// glibc's `int mallopt(int param, int value)`.
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
