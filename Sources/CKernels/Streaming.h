// Non-temporal ("streaming") stores for the loops of CKernels that write outputs larger than the caches.
//
// A plain store to a line not in cache first reads the line from memory, so writing a fresh 77 MB output moves
// 154 MB; a non-temporal store writes whole lines to memory without reading them and without keeping them in
// cache (the Swift side asks for it only for outputs too large to stay there, `Parallelism.streams`). The values
// are the same bits either way. Stores 16 bytes wide need only the alignment every Swift [Float] has; the
// write-combining buffers join four into a line. They are not ordered with the thread's other stores, so a loop
// that streams ends with `stream_fence`.
#ifndef XTAL_STREAMING_H
#define XTAL_STREAMING_H

#include <stddef.h>
#include <stdint.h>

/// Four floats, 16-byte aligned: the width of one streaming store.
typedef float xtal_float4 __attribute__((vector_size(16)));

/// Whether a loop asked to `stream` rows of f floats from `out` on may: out 16-byte aligned and f a multiple
/// of 4, so every row starts aligned and no line is written both ways.
static inline int can_stream(int stream, const float *out, ptrdiff_t f) {
    return stream && ((uintptr_t)out & 15) == 0 && f % 4 == 0;
}

/// Four floats from `source` (any alignment).
static inline xtal_float4 load4(const float *source) {
    xtal_float4 v;
    __builtin_memcpy(&v, source, sizeof v);
    return v;
}

/// v to target (16-byte aligned) with a non-temporal store.
static inline void stream4(float *target, xtal_float4 v) { __builtin_nontemporal_store(v, (xtal_float4 *)target); }

/// Orders the thread's non-temporal stores before its later stores (x86 `sfence`; elsewhere a full fence).
static inline void stream_fence(void) {
#if defined(__x86_64__)
    __builtin_ia32_sfence();
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
