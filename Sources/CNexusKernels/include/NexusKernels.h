// Element-wise loops of the numeric core that Swift can only vectorise for the baseline
// x86-64 (4 floats per instruction): compiled once per instruction set (AVX-512, AVX2,
// baseline) and picked at load time. Floating-point contraction is off, so every variant
// computes exactly the same floats as the plain loop (no fused multiply-add, no reordering).
#ifndef NEXUS_KERNELS_H
#define NEXUS_KERNELS_H

#include <stddef.h>

/// tanh in float32 without a libm call, to a few ulps (see nexus_kernels.c for the method).
float nexus_tanh(float x);

/// x[i] = tanh(x[i]).
void nexus_tanh_inplace(float *x, size_t count);

/// gradient[i] *= 1 − output[i]², tanh's derivative through its output.
void nexus_tanh_backward(const float *output, float *gradient, size_t count);

/// One Adam (AdamW when decay > 0) step over `count` parameters:
/// m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; θ −= step·m / (√(v / c₂) + ε) + decay·θ.
void nexus_adam_update(float *values, const float *gradients, float *first_moment, float *second_moment, size_t count,
                       float beta1, float beta2, float epsilon, float correction2, float step_size, float decay);

/// Σ x[i]² in double precision, summed in 8 interleaved partial sums combined in a fixed
/// order: the same result from every instruction-set variant.
double nexus_squared_norm(const float *x, size_t count);

#endif
