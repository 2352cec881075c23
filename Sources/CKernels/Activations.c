// Vectorised Float32 activations (see CKernels.h). The loops are plain C that clang vectorises once per clone;
// exp and log1p are polynomials, not libm calls, so they vectorise too.
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

#include "Vectorised.h"

// Each `a * b + c` in one expression becomes one fused multiply-add where the clone's CPU has FMA (x86-64-v3 and v4:
// Haswell, Zen and later), rounded once; the baseline clone rounds the product and the sum apart. Contraction stays
// within an expression ("on", not "fast"), so a vector body and its scalar remainder fuse the same operations
// (`Float32ActivationTests` checks it): the v3 and v4 clones give the same bits, and every clone the same bits for
// any split of the work across threads.
// (Without contraction every clone agreed to the bit, but the polynomials took twice the instructions: CGCNN
// inference was 9 % slower on Zen 2.)
#pragma clang fp contract(on)

/// eˣ in arithmetic only. x = n·ln 2 + r with n = round(x / ln 2) and |r| ≤ ½ ln 2 (ln 2 split in two parts,
/// Cody–Waite, so r is exact to float precision); e^r = 1 + r + r²·q(r), q of degree 3 fitted for the least
/// maximum relative error of e^r (1.0e-7; Lawson's iteration in Double, coefficients rounded to Float, by
/// `scripts/fit-activation-polynomials`) and evaluated in Estrin's scheme; times 2ⁿ built in the exponent bits.
/// Above 88 the input is clamped (e⁸⁸ ≈ 1.7e38); below −87.3, where eˣ would be subnormal, the result is 0
/// (flush to zero keeps later products off the slow subnormal path).
///
/// These loops are bound by the latency of their longest chain of dependent operations (the out-of-order window
/// holds about two iterations), so the polynomials are short and in Estrin's scheme, not Horner's. With the
/// Taylor series to r⁷ and log1p's to t¹⁵, in Horner's scheme, CGCNN's inference took 1.62 s of CPU against
/// 1.36 s (Zen 2, one thread, five each); softplus is within 4.3e-7 of the exact value (7 Float ulps; it was
/// within 2.2e-7), sigmoid within 2.5e-7 (1.6e-7).
static inline float fast_exp(float x) {
    float clamped = -87.3f >= x ? -87.3f : x;
    clamped = 88.0f < clamped ? 88.0f : clamped;
    // Round to nearest with the 1.5·2²³ trick (|x / ln 2| < 2²²): n lands in the low mantissa bits.
    float shifted = clamped * 1.44269504f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = (clamped - n * 0.693145751953125f) - n * 1.428606765330187e-6f;
    float r2 = r * r;
    float q = (0.499992311f + 0.166671142f * r) + r2 * (0.0418901145f + 0.00831252523f * r);
    float p = (1.0f + r) + r2 * q;
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x < -87.3f ? 0.0f : p * scale;
}

/// log(1 + u) for u ∈ [0, 1] (all softplus needs), plus `add`: 2·atanh(t) with t = u / (2 + u) ∈ [0, ⅓], as
/// 2t·s(t²) with s(q) = 1 + q/3 + q²/5 + … fitted on [0, 1/9] by a cubic for the least maximum relative error
/// (1.9e-7; Lawson's iteration, Float coefficients), in Estrin's scheme (see `fast_exp`). Small u keeps full
/// relative precision. `add` joins in the last multiply-add (softplus adds max(x, 0)).
static inline float fast_log1p_plus(float u, float add) {
    float t = u / (2.0f + u);
    float q = t * t, q2 = q * q;
    float s = (1.0f + 0.333367407f * q) + q2 * (0.198179856f + 0.169917807f * q);
    return (2.0f * t) * s + add;
}

/// max(x, 0) with Swift's `max` semantics (0 when 0 ≥ x), so the engine's generic path agrees to the bit.
static inline float positive_part(float x) { return 0.0f >= x ? 0.0f : x; }

/// σ(x) given e = e^−|x|: 1 / (1 + e) for x ≥ 0, else e times that (one division).
static inline float sigmoid_from(float x, float e) {
    float r = 1.0f / (1.0f + e);
    return x >= 0.0f ? r : e * r;
}

static inline float sigmoid(float x) { return sigmoid_from(x, fast_exp(-__builtin_fabsf(x))); }

/// softplus(x) = max(x, 0) + log(1 + e^−|x|), given e = e^−|x|.
static inline float softplus_from(float x, float e) { return fast_log1p_plus(e, positive_part(x)); }

XTAL_VECTORISED
void xtal_softplus(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = softplus_from(x[i], fast_exp(-__builtin_fabsf(x[i])));
}

XTAL_VECTORISED
void xtal_softplus_backward(float *restrict g, const float *restrict x, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) g[i] *= sigmoid(x[i]);
}

XTAL_VECTORISED
void xtal_sigmoid(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = sigmoid(x[i]);
}

XTAL_VECTORISED
void xtal_silu(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * sigmoid(x[i]);
}

XTAL_VECTORISED
void xtal_silu_backward(float *restrict g, const float *restrict x, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        float s = sigmoid(x[i]);
        g[i] *= s * (1.0f + x[i] * (1.0f - s));
    }
}

/// x·a + b rounded twice, as the Swift `affine` and batch-norm ops compute it (never one fused multiply-add).
static inline float affine(float x, float a, float b) {
#pragma clang fp contract(off)
    return x * a + b;
}

XTAL_VECTORISED
void xtal_gated_softplus(const float *restrict x, const float *restrict scale, const float *restrict shift,
                         float *restrict y, float *restrict keep, ptrdiff_t keep_stride, ptrdiff_t rows, ptrdiff_t h) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *gate = x + r * 2 * h, *value = gate + h;
        float *out = y + r * h;
        // Four loops rather than tests inside one, so each vectorises on its own.
        if (keep) {
            float *a = keep + r * h, *p = a + keep_stride, *s = p + keep_stride;
            if (scale) {
                for (ptrdiff_t j = 0; j < h; j++) {
                    float g = affine(gate[j], scale[j], shift[j]), v = affine(value[j], scale[h + j], shift[h + j]);
                    float e = fast_exp(-__builtin_fabsf(v));
                    float sg = sigmoid(g), sp = softplus_from(v, e);
                    a[j] = sg;
                    p[j] = sp;
                    s[j] = sigmoid_from(v, e);
                    out[j] = sg * sp;
                }
            } else {
                for (ptrdiff_t j = 0; j < h; j++) {
                    float e = fast_exp(-__builtin_fabsf(value[j]));
                    float sg = sigmoid(gate[j]), sp = softplus_from(value[j], e);
                    a[j] = sg;
                    p[j] = sp;
                    s[j] = sigmoid_from(value[j], e);
                    out[j] = sg * sp;
                }
            }
        } else if (scale) {
            for (ptrdiff_t j = 0; j < h; j++) {
                float g = affine(gate[j], scale[j], shift[j]), v = affine(value[j], scale[h + j], shift[h + j]);
                out[j] = sigmoid(g) * softplus_from(v, fast_exp(-__builtin_fabsf(v)));
            }
        } else {
            for (ptrdiff_t j = 0; j < h; j++)
                out[j] = sigmoid(gate[j]) * softplus_from(value[j], fast_exp(-__builtin_fabsf(value[j])));
        }
    }
}
