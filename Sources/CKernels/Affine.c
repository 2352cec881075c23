// Per-column affine maps over the rows of Float32 matrices (see CKernels.h): batch normalisation's forward and
// backward, and the affine op. They do one or two multiplies and adds per element and are bound by memory, so the
// forward streams outputs past the caches (Streaming.h) and the backward writes over its gradient. Contraction is off:
// every product and sum is rounded apart, as the Swift loops for Double compute them, so every clone and both kinds of
// store give the same bits.
#include "CKernels.h"
#include "Streaming.h"
#include "Vectorised.h"

#pragma clang fp contract(off)

XTAL_VECTORISED
void xtal_affine_rows(const float *x, const float *a, const float *b, ptrdiff_t n, ptrdiff_t f, int stream,
                      float *out) {
    if (can_stream(stream, out, f)) {
        for (ptrdiff_t r = 0; r < n; r++) {
            const float *xr = x + r * f;
            for (ptrdiff_t j = 0; j < f; j += 4) stream4(out + r * f + j, load4(xr + j) * load4(a + j) + load4(b + j));
        }
        stream_fence();
        return;
    }
    for (ptrdiff_t r = 0; r < n; r++) {
        const float *restrict xr = x + r * f;
        float *restrict o = out + r * f;
        for (ptrdiff_t j = 0; j < f; j++) o[j] = xr[j] * a[j] + b[j];
    }
}

XTAL_VECTORISED
void xtal_affine_rows2_in_place(float *g, const float *c1, const float *restrict x, const float *c2, const float *c3,
                                ptrdiff_t n, ptrdiff_t f) {
    for (ptrdiff_t r = 0; r < n; r++) {
        float *gr = g + r * f;
        const float *restrict xr = x + r * f;
        for (ptrdiff_t j = 0; j < f; j++) gr[j] = gr[j] * c1[j] + xr[j] * c2[j] + c3[j];
    }
}
