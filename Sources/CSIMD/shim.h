#ifndef WINNOW_CSIMD_SHIM_H
#define WINNOW_CSIMD_SHIM_H

// SSE2's byte mask (pmovmskb): bit i is the top bit of byte i of a 16-byte vector. Swift's SIMD types cannot
// express it; the tokenizer and the cleaner's line scan fold byte classes into bit masks with it. x86-64 only
// (SSE2 is part of its baseline); elsewhere Winnow gathers the bits with multiplications.
#if defined(__x86_64__)
#include <emmintrin.h>

static inline int winnow_byte_mask(__m128i bytes) { return _mm_movemask_epi8(bytes); }
#endif

// A hint that memory at `address` will be read soon (any CPU; a no-op where there is no such instruction):
// language identification asks for the table rows of a batch of features before adding any of them.
static inline void winnow_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
