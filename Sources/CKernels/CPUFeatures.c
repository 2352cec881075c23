// This CPU's vector instruction sets, as the compiler's runtime CPU checks report them (CPUID, with the register
// state the operating system enables): what BLASKernels needs to name an OpenBLAS kernel set the CPU can run.
#include "CKernels.h"

unsigned xtal_cpu_vector_features(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    unsigned features = 0;
    if (__builtin_cpu_supports("avx")) features |= XTAL_CPU_AVX;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) features |= XTAL_CPU_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        features |= XTAL_CPU_AVX512;
    if (__builtin_cpu_supports("avx512bf16")) features |= XTAL_CPU_AVX512_BF16;
    return features;
#else
    return 0;
#endif
}
