// Masked multi-codebook cross-entropy, forward and backward, one block per row of the logits [B, K, S, V].
//
// The point of fusing: the libtorch path materialises fp32 log-probabilities [B, K, S, V] (for MusicGen's 2048-way
// heads that is the largest tensor of a step); here each row is reduced in registers, the forward keeps only two
// floats per row (loss and log-sum-exp) and the backward writes the gradient straight in the logits' dtype.
#include "../include/retune_common.cuh"

namespace retune::ce {

// row_loss[r] = lse(x_r) - x_r[target], row_lse[r] = lse(x_r) for valid rows; 0 and 0 for masked rows, whose logits
// are never read. A target outside [0, vocab) gives a NaN loss, so a caller that skipped validation sees it.
template <typename T>
__device__ void forward(const T* logits, const long long* targets, const unsigned char* mask, float* row_loss,
                        float* row_lse, long long rows, int vocab) {
    const long long r = blockIdx.x;
    if (r >= rows) {
        return;
    }
    if (!mask[r]) {
        if (threadIdx.x == 0) {
            row_loss[r] = 0.0f;
            row_lse[r] = 0.0f;
        }
        return;
    }
    const T* x = logits + r * vocab;

    // Two passes over the row (the second is served from L1/L2): the max, then the sum of exp(x - max).
    float max = -CUDART_INF_F;
    for (int v = threadIdx.x; v < vocab; v += blockDim.x) {
        max = fmaxf(max, to_float(x[v]));
    }
    max = block_max(max);
    float sum = 0.0f;
    for (int v = threadIdx.x; v < vocab; v += blockDim.x) {
        sum += expf(to_float(x[v]) - max);
    }
    sum = block_sum(sum);

    if (threadIdx.x == 0) {
        const float lse = max + logf(sum);
        const long long target = targets[r];
        row_lse[r] = lse;
        row_loss[r] = (target >= 0 && target < vocab) ? lse - to_float(x[target]) : CUDART_NAN_F;
    }
}

// grad[r, v] = (softmax(x_r)_v - [v == target]) * codebook_weight[codebook of r] for valid rows, 0 for masked rows.
// grad may alias logits: each element is read and then written by the same thread, and by no other thread, which is
// also why neither pointer is __restrict__.
template <typename T>
__device__ void backward(const T* logits, const long long* targets, const unsigned char* mask, const float* row_lse,
                         const float* codebook_weight, T* grad, long long rows, int codebooks, int steps, int vocab) {
    const long long r = blockIdx.x;
    if (r >= rows) {
        return;
    }
    T* g = grad + r * vocab;
    if (!mask[r]) {
        for (int v = threadIdx.x; v < vocab; v += blockDim.x) {
            g[v] = from_float<T>(0.0f);
        }
        return;
    }
    const T* x = logits + r * vocab;
    const float lse = row_lse[r];
    const long long target = targets[r];
    const float weight = codebook_weight[(r / steps) % codebooks];
    for (int v = threadIdx.x; v < vocab; v += blockDim.x) {
        const float p = expf(to_float(x[v]) - lse);
        g[v] = from_float<T>((p - (v == target ? 1.0f : 0.0f)) * weight);
    }
}

} // namespace retune::ce

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_ce_forward_f32(const float* logits, const long long* targets, const unsigned char* mask, float* row_loss,
                      float* row_lse, long long rows, int vocab) {
    retune::ce::forward(logits, targets, mask, row_loss, row_lse, rows, vocab);
}

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_ce_forward_bf16(const __nv_bfloat16* logits, const long long* targets, const unsigned char* mask,
                       float* row_loss, float* row_lse, long long rows, int vocab) {
    retune::ce::forward(logits, targets, mask, row_loss, row_lse, rows, vocab);
}

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_ce_forward_f16(const __half* logits, const long long* targets, const unsigned char* mask, float* row_loss,
                      float* row_lse, long long rows, int vocab) {
    retune::ce::forward(logits, targets, mask, row_loss, row_lse, rows, vocab);
}

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_ce_backward_f32(const float* logits, const long long* targets, const unsigned char* mask, const float* row_lse,
                       const float* codebook_weight, float* grad, long long rows, int codebooks, int steps, int vocab) {
    retune::ce::backward(logits, targets, mask, row_lse, codebook_weight, grad, rows, codebooks, steps, vocab);
}

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_ce_backward_bf16(const __nv_bfloat16* logits, const long long* targets, const unsigned char* mask,
                        const float* row_lse, const float* codebook_weight, __nv_bfloat16* grad, long long rows,
                        int codebooks, int steps, int vocab) {
    retune::ce::backward(logits, targets, mask, row_lse, codebook_weight, grad, rows, codebooks, steps, vocab);
}

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_ce_backward_f16(const __half* logits, const long long* targets, const unsigned char* mask, const float* row_lse,
                       const float* codebook_weight, __half* grad, long long rows, int codebooks, int steps,
                       int vocab) {
    retune::ce::backward(logits, targets, mask, row_lse, codebook_weight, grad, rows, codebooks, steps, vocab);
}
