// XTAL_VECTORISED: compile a function once per x86-64 level (AVX-512, AVX2 with FMA, baseline) and pick the clone
// for this CPU when the program loads (clang `target_clones`, an ELF ifunc); elsewhere one plain build.
#ifndef XTAL_VECTORISED_H
#define XTAL_VECTORISED_H

#if defined(__x86_64__)
#define XTAL_VECTORISED __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define XTAL_VECTORISED
#endif

#endif
