// Row gathers, scatters and scatter-adds over Float32 matrices (see CKernels.h): the message-passing primitives'
// inner loops. Their rows are picked by an index array, so the hardware prefetcher cannot follow them and each row
// would wait for memory; the loops ask for the rows `XTAL_AHEAD` edges ahead. Copies and single additions round the
// same in every clone and vector width, so every clone gives the same bits.
#include "CKernels.h"
#include "Vectorised.h"

/// How many edges ahead the loops prefetch: far enough to cover a memory access, near enough that the lines are
/// still in L1 when used. Of 4, 8, 16, 32 and 64, 32 was fastest for a scatter-add of 300,000 rows of 64 into
/// 25,000 (Sapphire Rapids, 2 threads: 9 ms against 15 ms at 8).
enum { XTAL_AHEAD = 32 };

/// Prefetches the f floats at p, one request per 64-byte line, for reading (`write` 0) or writing (1).
static inline void prefetch_row(const float *p, ptrdiff_t f, int write) {
    for (ptrdiff_t j = 0; j < f; j += 16) {
        if (write) {
            __builtin_prefetch(p + j, 1);
        } else {
            __builtin_prefetch(p + j, 0);
        }
    }
}

/// Copies f floats from source to target in 64-byte pieces expanded inline, then the rest one by one: a call to
/// memcpy per row (a quarter of a kilobyte for 64 features) cost as much as the copy.
static inline void copy_row(float *restrict target, const float *restrict source, ptrdiff_t f) {
    ptrdiff_t j = 0;
    for (; j + 16 <= f; j += 16) __builtin_memcpy_inline(target + j, source + j, 64);
    for (; j < f; j++) target[j] = source[j];
}

/// Four floats, 16-byte aligned: the width of one streaming store.
typedef float xtal_float4 __attribute__((vector_size(16)));

/// target[0..<n] = source[0..<n] with non-temporal ("streaming") stores, four floats at a time, the last n mod 4
/// plainly; target 16-byte aligned, source need not be.
///
/// A plain store to a line not in cache first reads the line from memory, so writing a fresh 77 MB output moves
/// 154 MB; a non-temporal store writes whole lines to memory without reading them and without keeping them in
/// cache (`Parallelism.streams` asks for it only for outputs too large to stay there). Stores 16 bytes wide need
/// only the alignment every Swift [Float] has; the write-combining buffers join four into a line. Not ordered
/// with the thread's other stores: loops that stream end with `stream_fence`.
static inline void stream_floats(float *restrict target, const float *restrict source, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) {
        xtal_float4 v;
        __builtin_memcpy(&v, source + i, sizeof v);
        __builtin_nontemporal_store(v, (xtal_float4 *)(target + i));
    }
    for (; i < n; i++) target[i] = source[i];
}

/// Orders the thread's non-temporal stores before its later stores (x86 `sfence`; elsewhere a full fence).
static inline void stream_fence(void) {
#if defined(__x86_64__)
    __builtin_ia32_sfence();
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

XTAL_VECTORISED
void xtal_gather_rows(const float *x, const int32_t *index, ptrdiff_t n, ptrdiff_t f, int stream, float *out) {
    // Streamed only when every row starts 16-byte aligned, so that no line is written both ways. A gather of
    // 300,000 rows of 64 floats: 5.1 ms plainly, 2.9 streamed (one thread, AMD EPYC, 2026-12-06).
    if (stream && ((uintptr_t)out & 15) == 0 && f % 4 == 0) {
        for (ptrdiff_t e = 0; e < n; e++) {
            if (e + XTAL_AHEAD < n) prefetch_row(x + (ptrdiff_t)index[e + XTAL_AHEAD] * f, f, 0);
            stream_floats(out + e * f, x + (ptrdiff_t)index[e] * f, f);
        }
        stream_fence();
        return;
    }
    for (ptrdiff_t e = 0; e < n; e++) {
        if (e + XTAL_AHEAD < n) prefetch_row(x + (ptrdiff_t)index[e + XTAL_AHEAD] * f, f, 0);
        copy_row(out + e * f, x + (ptrdiff_t)index[e] * f, f);
    }
}

XTAL_VECTORISED
void xtal_scatter_rows(const float *x, const int32_t *index, ptrdiff_t n, ptrdiff_t f, float *out) {
    for (ptrdiff_t e = 0; e < n; e++) {
        if (e + XTAL_AHEAD < n) prefetch_row(out + (ptrdiff_t)index[e + XTAL_AHEAD] * f, f, 1);
        copy_row(out + (ptrdiff_t)index[e] * f, x + e * f, f);
    }
}

XTAL_VECTORISED
void xtal_scatter_add_rows(const float *x, const int32_t *index, ptrdiff_t n, ptrdiff_t f, int32_t low, int32_t high,
                           float *out) {
    for (ptrdiff_t e = 0; e < n; e++) {
        if (e + XTAL_AHEAD < n) {
            int32_t ahead = index[e + XTAL_AHEAD];
            if (ahead >= low && ahead < high) {
                prefetch_row(out + (ptrdiff_t)ahead * f, f, 1);
                prefetch_row(x + (e + XTAL_AHEAD) * f, f, 0);
            }
        }
        int32_t row = index[e];
        if (row < low || row >= high) continue;
        float *restrict target = out + (ptrdiff_t)row * f;
        const float *restrict source = x + e * f;
        for (ptrdiff_t j = 0; j < f; j++) target[j] += source[j];
    }
}
