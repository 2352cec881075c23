// Float32 loops for the Tensor module: activations (Activations.c), row gathers, scatters and scatter-adds (Rows.c) and
// per-column affine maps (Affine.c), compiled once per instruction set (x86-64-v4 with AVX-512, x86-64-v3 with AVX2 and
// FMA, baseline x86-64) and chosen when the program loads (clang `target_clones`, an ELF ifunc). The v3 and v4 clones
// do the same IEEE operations in the same order, fused multiply-adds included, so results are bit-identical on every
// CPU from Haswell and Zen on; the baseline clone, without FMA, differs by an ulp or so in the activations. Each
// function covers the elements or rows it is given; callers split work across threads.
// CPUFeatures.c reports which of those instruction sets this CPU has (for Tensor's BLASKernels).
#ifndef XTAL_CKERNELS_H
#define XTAL_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// y = log(1 + eˣ), as max(x, 0) + log1p(e^−|x|).
void xtal_softplus(const float *x, float *y, ptrdiff_t n);
/// g ← g · σ(x), in place: softplus's backward (the gradient arriving at y becomes the one at x).
void xtal_softplus_backward(float *g, const float *x, ptrdiff_t n);
/// y = σ(x) = 1 / (1 + e⁻ˣ), from e^−|x| so nothing overflows.
void xtal_sigmoid(const float *x, float *y, ptrdiff_t n);
/// y = x · σ(x) (SiLU, swish).
void xtal_silu(const float *x, float *y, ptrdiff_t n);
/// g ← g · σ(x)(1 + x(1 − σ(x))), in place: SiLU's backward.
void xtal_silu_backward(float *g, const float *x, ptrdiff_t n);

/// CGCNN's gated message over `rows` rows of x [rows, 2h]: y[r, j] = σ(z[r, j]) · softplus(z[r, h + j]), y [rows, h],
/// with z = x · scale + shift per column (scale and shift [2h], the product and the sum rounded apart, as a batch
/// norm's affine step) or z = x when `scale` is NULL. When `keep` is not NULL it receives, for the backward, σ(gate)
/// at keep[r·h + j], softplus(value) at keep[keep_stride + r·h + j] and σ(value) at keep[2·keep_stride + r·h + j].
void xtal_gated_softplus(const float *x, const float *scale, const float *shift, float *y, float *keep,
                         ptrdiff_t keep_stride, ptrdiff_t rows, ptrdiff_t h);

/// out[e, :] = x[index[e], :] for e in 0..<n: rows of f floats, gathered. With `stream` nonzero, out is written with
/// non-temporal stores where its rows allow (for outputs larger than the caches; the same values).
void xtal_gather_rows(const float *x, const int32_t *index, ptrdiff_t n, ptrdiff_t f, int stream, float *out);
/// out[index[e], :] = x[e, :] for e in 0..<n: rows of f floats, scattered (index without repeats).
void xtal_scatter_rows(const float *x, const int32_t *index, ptrdiff_t n, ptrdiff_t f, float *out);
/// out[index[e], :] += x[e, :] for each e in 0..<n, in order, whose index lies in low..<high (the others are
/// skipped): rows of f floats. x and out must not overlap.
void xtal_scatter_add_rows(const float *x, const int32_t *index, ptrdiff_t n, ptrdiff_t f, int32_t low, int32_t high,
                           float *out);

/// out[r, j] = x[r, j]·a[j] + b[j] for an [n, f] matrix (a, b [f]), the product and the sum rounded apart. With
/// `stream` nonzero, out is written with non-temporal stores where its rows allow (as `xtal_gather_rows`).
void xtal_affine_rows(const float *x, const float *a, const float *b, ptrdiff_t n, ptrdiff_t f, int stream,
                      float *out);
/// g[r, j] ← (g[r, j]·c1[j] + x[r, j]·c2[j]) + c3[j] for two [n, f] matrices, in place, each operation rounded apart.
void xtal_affine_rows2_in_place(float *g, const float *c1, const float *x, const float *c2, const float *c3,
                                ptrdiff_t n, ptrdiff_t f);

/// Bits of `xtal_cpu_vector_features`: AVX; AVX2 with FMA; AVX-512 F, CD, BW, DQ and VL (the set OpenBLAS's SkylakeX
/// kernels use); AVX-512 BF16.
#define XTAL_CPU_AVX 1u
#define XTAL_CPU_AVX2_FMA 2u
#define XTAL_CPU_AVX512 4u
#define XTAL_CPU_AVX512_BF16 8u
/// This CPU's vector instruction sets that the operating system has enabled, as XTAL_CPU_* bits (0 off x86-64).
unsigned xtal_cpu_vector_features(void);

#endif
