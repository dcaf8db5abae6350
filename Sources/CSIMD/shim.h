#ifndef WINNOW_CSIMD_SHIM_H
#define WINNOW_CSIMD_SHIM_H

// SSE2's byte mask (pmovmskb): bit i is the top bit of byte i of a 16-byte vector. Swift's SIMD types cannot
// express it; the tokenizer and the cleaner's line scan fold byte classes into bit masks with it. x86-64 only
// (SSE2 is part of its baseline); elsewhere Winnow gathers the bits with multiplications.
#if defined(__x86_64__)
#include <emmintrin.h>

static inline int winnow_byte_mask(__m128i bytes) { return _mm_movemask_epi8(bytes); }
#endif

#endif
