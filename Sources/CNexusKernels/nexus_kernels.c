#include "NexusKernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define NEXUS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// tanh without libm, so that loops over it vectorise:
// - |x| < 1/16: the odd Taylor series to x⁷ (the next term is below 2e-12).
// - otherwise tanh|x| = (1 − e) / (1 + e) with e = exp(−2|x|) = 2^t, t ≤ 0, split into an
//   integer power of two (built in the exponent bits) and 2^v for v ∈ [−½, ½), evaluated as
//   Σ (v ln 2)^k / k! to k = 6 (truncation below 1.2e-7 relative).
// - |x| ≥ 9 gives ±1 (tanh 9 = 1 − 3e-8 rounds to 1); NaN stays NaN.
static inline __attribute__((always_inline)) float tanh_kernel(float x) {
    float a = fabsf(x);
    a = a < 9.0f ? a : 9.0f;
    float squared = a * a;
    float series = a * (1.0f + squared * (-1.0f / 3 + squared * (2.0f / 15 + squared * (-17.0f / 315))));

    float t = -2.0f * a * 1.44269504f;  // log2(e); t ∈ [−26, 0]
    // Round t to an integer by adding 1.5·2²³: the integer then sits in the low mantissa bits,
    // read without a float-to-int conversion.
    const float magic = 12582912.0f;
    float shifted = t + magic;
    float whole = shifted - magic;
    uint32_t shifted_bits, magic_bits;
    memcpy(&shifted_bits, &shifted, 4);
    memcpy(&magic_bits, &magic, 4);
    uint32_t scale_bits = ((shifted_bits - magic_bits) + 127u) << 23;
    float scale;
    memcpy(&scale, &scale_bits, 4);
    float u = (t - whole) * 0.69314718f;  // ∈ [−½ ln 2, ½ ln 2]
    float power = scale * (1.0f + u * (1.0f + u * (0.5f + u * (1.0f / 6 + u * (1.0f / 24 + u * (1.0f / 120 + u * (1.0f / 720)))))));
    float ratio = (1.0f - power) / (1.0f + power);

    float magnitude = a < 0.0625f ? series : ratio;
    return x != x ? x : copysignf(magnitude, x);
}

float nexus_tanh(float x) { return tanh_kernel(x); }

NEXUS_CLONES
void nexus_tanh_inplace(float *restrict x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = tanh_kernel(x[i]);
}

NEXUS_CLONES
void nexus_tanh_backward(const float *restrict output, float *restrict gradient, size_t count) {
    for (size_t i = 0; i < count; i++) gradient[i] *= 1.0f - output[i] * output[i];
}

NEXUS_CLONES
void nexus_adam_update(float *restrict values, const float *restrict gradients, float *restrict first_moment,
                       float *restrict second_moment, size_t count, float beta1, float beta2, float epsilon,
                       float correction2, float step_size, float decay) {
    const float keep1 = 1.0f - beta1, keep2 = 1.0f - beta2;
    for (size_t i = 0; i < count; i++) {
        float g = gradients[i];
        float m = beta1 * first_moment[i] + keep1 * g;
        float v = beta2 * second_moment[i] + keep2 * g * g;
        first_moment[i] = m;
        second_moment[i] = v;
        float denominator = sqrtf(v / correction2) + epsilon;
        values[i] -= step_size * m / denominator + decay * values[i];
    }
}

NEXUS_CLONES
double nexus_squared_norm(const float *restrict x, size_t count) {
    double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        for (size_t lane = 0; lane < 8; lane++) partial[lane] += (double)x[i + lane] * (double)x[i + lane];
    for (size_t lane = 0; i < count; i++, lane++) partial[lane] += (double)x[i] * (double)x[i];
    return ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}
