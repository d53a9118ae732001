// Multi-tensor AdamW: one launch updates every trainable tensor (fp32 params, grads and moments), instead of the
// dozen small kernels per tensor of libtorch's optimizer loop. Each block owns one 4096-element chunk of one tensor.
#include <cstddef>

#include "../include/retune_common.cuh"

// One trainable tensor, packed by the Java side in exactly this layout (little-endian, 56 bytes).
struct RetuneAdamwTensor {
    float* param;
    const float* grad;
    float* exp_avg;
    float* exp_avg_sq;
    long long numel;
    float lr;
    float weight_decay;
    long long first_chunk; // chunks of all earlier tensors: ascending along the array
};
static_assert(sizeof(RetuneAdamwTensor) == 56, "RetuneAdamwTensor is an ABI shared with the Java side");
static_assert(offsetof(RetuneAdamwTensor, numel) == 32 && offsetof(RetuneAdamwTensor, lr) == 40 &&
                  offsetof(RetuneAdamwTensor, weight_decay) == 44 && offsetof(RetuneAdamwTensor, first_chunk) == 48,
              "RetuneAdamwTensor field offsets are an ABI shared with the Java side");

namespace retune::adamw {

constexpr int kChunk = 4096;

struct Hyper {
    float beta1, beta2, eps;
    float one_minus_beta1, one_minus_beta2;
    float decay;     // 1 - lr * weight_decay
    float step_size; // lr / bias_correction1
    float sqrt_bias_correction2;
};

// libtorch's C++ AdamW step, op by op:
//   p.mul_(1 - lr * wd); m.mul_(beta1).add_(g, 1 - beta1); v.mul_(beta2).addcmul_(g, g, 1 - beta2);
//   denom = (v.sqrt() / sqrt(bc2)).add_(eps); p.addcdiv_(m, denom, -lr / bc1).
// The mul_ calls are kernels of their own there, so their products are rounded before the following add:
// __fmul_rn keeps nvcc from fusing them into it.
__device__ inline void update(float& p, float g, float& m, float& v, const Hyper& h) {
    p = p * h.decay;
    m = __fmul_rn(m, h.beta1) + h.one_minus_beta1 * g;
    v = __fmul_rn(v, h.beta2) + h.one_minus_beta2 * g * g;
    const float denom = sqrtf(v) / h.sqrt_bias_correction2 + h.eps;
    p = p - h.step_size * (m / denom);
}

// The tensor owning chunk `chunk`: the last one whose first_chunk <= chunk (tensors without elements own no chunk and
// share first_chunk with their successor, so "last" skips them).
__device__ inline int owner(const RetuneAdamwTensor* tensors, int n_tensors, long long chunk) {
    int lo = 0, hi = n_tensors - 1;
    while (lo < hi) {
        const int mid = lo + (hi - lo + 1) / 2;
        if (tensors[mid].first_chunk <= chunk) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

__device__ void step(const RetuneAdamwTensor* tensors, int n_tensors, float beta1, float beta2, float eps,
                     float bias_correction1, float bias_correction2) {
    const long long chunk = blockIdx.x;
    const RetuneAdamwTensor t = tensors[owner(tensors, n_tensors, chunk)];
    const long long begin = (chunk - t.first_chunk) * kChunk;
    const long long remaining = t.numel - begin;
    const int count = remaining < kChunk ? static_cast<int>(remaining) : kChunk;

    const Hyper h{beta1,
                  beta2,
                  eps,
                  1.0f - beta1,
                  1.0f - beta2,
                  1.0f - t.lr * t.weight_decay,
                  t.lr / bias_correction1,
                  sqrtf(bias_correction2)};
    float* param = t.param + begin;
    const float* grad = t.grad + begin;
    float* exp_avg = t.exp_avg + begin;
    float* exp_avg_sq = t.exp_avg_sq + begin;

    // float4 accesses when all four arrays allow them (chunks start at multiples of 4096 elements, so that is
    // alignment of the tensors themselves); the scalar loop takes the tail and misaligned tensors.
    const bool aligned = ((reinterpret_cast<uintptr_t>(param) | reinterpret_cast<uintptr_t>(grad) |
                           reinterpret_cast<uintptr_t>(exp_avg) | reinterpret_cast<uintptr_t>(exp_avg_sq)) %
                          sizeof(float4)) == 0;
    const int vectors = aligned ? count / 4 : 0;
    for (int i = threadIdx.x; i < vectors; i += blockDim.x) {
        float4 p = reinterpret_cast<float4*>(param)[i];
        const float4 g = reinterpret_cast<const float4*>(grad)[i];
        float4 m = reinterpret_cast<float4*>(exp_avg)[i];
        float4 v = reinterpret_cast<float4*>(exp_avg_sq)[i];
        update(p.x, g.x, m.x, v.x, h);
        update(p.y, g.y, m.y, v.y, h);
        update(p.z, g.z, m.z, v.z, h);
        update(p.w, g.w, m.w, v.w, h);
        reinterpret_cast<float4*>(param)[i] = p;
        reinterpret_cast<float4*>(exp_avg)[i] = m;
        reinterpret_cast<float4*>(exp_avg_sq)[i] = v;
    }
    for (int i = vectors * 4 + threadIdx.x; i < count; i += blockDim.x) {
        update(param[i], grad[i], exp_avg[i], exp_avg_sq[i], h);
    }
}

} // namespace retune::adamw

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_adamw_f32(const RetuneAdamwTensor* tensors, int n_tensors, float beta1, float beta2, float eps,
                 float bias_correction1, float bias_correction2) {
    retune::adamw::step(tensors, n_tensors, beta1, beta2, eps, bias_correction1, bias_correction2);
}
