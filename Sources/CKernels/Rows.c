// Row gathers, scatters and scatter-adds over Float32 matrices (see CKernels.h): the message-passing primitives'
// inner loops. Their rows are picked by an index array, so the hardware prefetcher cannot follow them and each row
// would wait for memory; the loops ask for the rows `XTAL_AHEAD` edges ahead. Copies and single additions round the
// same in every clone and vector width, so every clone gives the same bits.
#include "CKernels.h"
#include "Streaming.h"
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

XTAL_VECTORISED
void xtal_gather_rows(const float *x, const int32_t *index, ptrdiff_t n, ptrdiff_t f, int stream, float *out) {
    // A gather of 300,000 rows of 64 floats: 5.1 ms plainly, 2.9 streamed (one thread, AMD EPYC, 2026-12-06).
    if (can_stream(stream, out, f)) {
        for (ptrdiff_t e = 0; e < n; e++) {
            if (e + XTAL_AHEAD < n) prefetch_row(x + (ptrdiff_t)index[e + XTAL_AHEAD] * f, f, 0);
            const float *source = x + (ptrdiff_t)index[e] * f;
            for (ptrdiff_t j = 0; j < f; j += 4) stream4(out + e * f + j, load4(source + j));
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
