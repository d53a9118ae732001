// One generation step's sampling for all rows (batch x codebooks) in one launch, one block per row: classifier-free
// guidance, temperature, top-k, top-p and an inverse-CDF draw with a Philox uniform of (seed, row, step).
//
// Order used everywhere (argmax and sort): NaN first, then larger values, ties by lower index — torch's argmax and
// stable descending sort agree with it, and it is a total order, so the bitonic network always yields a permutation of
// real indices ahead of the padding, and the token is in [0, vocab) whatever the logits hold.
#include <climits>

#include "../include/retune_common.cuh"

namespace retune::sampling {

// Dynamic shared memory of the sample path: P floats (values, later prefix sums) then P ints (vocabulary indices),
// P = next_pow2(vocab); the caller passes P * 8 bytes.
extern __shared__ __align__(8) unsigned char slots[];

__device__ inline bool ranks_before(float a, int ia, float b, int ib) {
    const bool a_nan = isnan(a), b_nan = isnan(b);
    if (a_nan || b_nan) {
        return a_nan && (!b_nan || ia < ib);
    }
    if (a != b) {
        return a > b;
    }
    return ia < ib;
}

// Guided logit of one vocabulary entry, in separate fp32 ops: __f*_rn keep nvcc from fusing them into an FMA, so the
// value is bit-identical to the Java reference's u + (c - u) * guidance.
template <typename T>
__device__ inline float guided(const T* cond, const T* uncond, float guidance, int v) {
    const float c = to_float(cond[v]);
    if (uncond == nullptr) {
        return c;
    }
    const float u = to_float(uncond[v]);
    return __fadd_rn(u, __fmul_rn(__fsub_rn(c, u), guidance));
}

// Leaves every lane of the warp with the first of its 32 (value, index) pairs in ranks_before order.
__device__ inline void warp_argmax(float& value, int& index) {
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1) {
        const float other_value = __shfl_xor_sync(kFullWarp, value, offset);
        const int other_index = __shfl_xor_sync(kFullWarp, index, offset);
        if (ranks_before(other_value, other_index, value, index)) {
            value = other_value;
            index = other_index;
        }
    }
}

// The index of the first of the block's (value, index) pairs in ranks_before order, returned to every thread.
// Called once per block.
__device__ inline int block_argmax(float value, int index) {
    __shared__ float warp_value[kWarpSize];
    __shared__ int warp_index[kWarpSize];
    const int lane = threadIdx.x % kWarpSize;
    const int warp = threadIdx.x / kWarpSize;
    const int warps = blockDim.x / kWarpSize;
    warp_argmax(value, index);
    if (lane == 0) {
        warp_value[warp] = value;
        warp_index[warp] = index;
    }
    __syncthreads();
    value = lane < warps ? warp_value[lane] : -CUDART_INF_F;
    index = lane < warps ? warp_index[lane] : INT_MAX;
    warp_argmax(value, index);
    return index;
}

// Sorts P = power-of-two (value, index) slots into ranks_before order with a bitonic network. Each stage compares
// P / 2 disjoint pairs (i, i + stride), so threads never touch the same slot within a stage.
__device__ inline void bitonic_sort(float* values, int* indices, int P) {
    for (int size = 2; size <= P; size <<= 1) {
        for (int stride = size / 2; stride > 0; stride >>= 1) {
            for (int pair = threadIdx.x; pair < P / 2; pair += blockDim.x) {
                // The pair-th lower element: skip the upper halves of the earlier blocks of 2 * stride.
                const int i = 2 * stride * (pair / stride) + pair % stride;
                const int j = i + stride;
                // Blocks of `size` alternate direction so each merge sees a bitonic sequence; at size == P the whole
                // array is one best-first block.
                const bool best_first = (i & size) == 0;
                const bool swap = best_first ? ranks_before(values[j], indices[j], values[i], indices[i])
                                             : ranks_before(values[i], indices[i], values[j], indices[j]);
                if (swap) {
                    const float value = values[i];
                    const int index = indices[i];
                    values[i] = values[j];
                    indices[i] = indices[j];
                    values[j] = value;
                    indices[j] = index;
                }
            }
            __syncthreads();
        }
    }
}

// Exclusive prefix sum over the block of one value per thread, in thread order. Called once per block.
__device__ inline float block_exclusive_scan(float v) {
    __shared__ float warp_totals[kWarpSize];
    const int lane = threadIdx.x % kWarpSize;
    const int warp = threadIdx.x / kWarpSize;
    const int warps = blockDim.x / kWarpSize;
    float inclusive = v;
    for (int offset = 1; offset < kWarpSize; offset <<= 1) {
        const float below = __shfl_up_sync(kFullWarp, inclusive, offset);
        if (lane >= offset) {
            inclusive += below;
        }
    }
    float exclusive = __shfl_up_sync(kFullWarp, inclusive, 1);
    if (lane == 0) {
        exclusive = 0.0f;
    }
    if (lane == kWarpSize - 1) {
        warp_totals[warp] = inclusive;
    }
    __syncthreads();
    if (warp == 0) { // turn the warp totals into inclusive prefix sums, in place
        float total = lane < warps ? warp_totals[lane] : 0.0f;
        for (int offset = 1; offset < kWarpSize; offset <<= 1) {
            const float below = __shfl_up_sync(kFullWarp, total, offset);
            if (lane >= offset) {
                total += below;
            }
        }
        if (lane < warps) {
            warp_totals[lane] = total;
        }
    }
    __syncthreads();
    return warp > 0 ? warp_totals[warp - 1] + exclusive : exclusive;
}

// The first j < count with prefix[j] >= threshold (or > threshold when strict), or count if there is none; returned
// to every thread.
__device__ inline int block_first_reaching(const float* prefix, int count, float threshold, bool strict) {
    int first = count;
    for (int j = threadIdx.x; j < count; j += blockDim.x) {
        if (strict ? prefix[j] > threshold : prefix[j] >= threshold) {
            first = j; // j grows along a thread's loop, so its first hit is its smallest
            break;
        }
    }
    return block_reduce(first, MinIntOp{}, count);
}

template <typename T>
__device__ void sample(const T* cond, const T* uncond, float guidance, float temperature, int top_k, float top_p,
                       unsigned long long seed, unsigned long long step, long long* tokens, int rows, int vocab) {
    const int r = blockIdx.x;
    if (r >= rows) {
        return;
    }
    cond += static_cast<long long>(r) * vocab;
    if (uncond != nullptr) {
        uncond += static_cast<long long>(r) * vocab;
    }

    if (temperature == 0.0f || top_k == 1) { // greedy: no sort, no shared slots
        float best = -CUDART_INF_F;
        int best_index = INT_MAX; // loses to any real entry, -inf included
        for (int v = threadIdx.x; v < vocab; v += blockDim.x) {
            const float g = guided(cond, uncond, guidance, v);
            if (ranks_before(g, v, best, best_index)) {
                best = g;
                best_index = v;
            }
        }
        best_index = block_argmax(best, best_index);
        if (threadIdx.x == 0) {
            tokens[r] = best_index;
        }
        return;
    }

    // Sort the guided logits, padded to P slots with (-inf, INT_MAX), which rank after every real entry.
    const int P = next_pow2(vocab);
    float* values = reinterpret_cast<float*>(slots);
    int* indices = reinterpret_cast<int*>(values + P);
    for (int i = threadIdx.x; i < P; i += blockDim.x) {
        values[i] = i < vocab ? guided(cond, uncond, guidance, i) : -CUDART_INF_F;
        indices[i] = i < vocab ? i : INT_MAX;
    }
    __syncthreads();
    bitonic_sort(values, indices, P);

    // values[0..keep) becomes the inclusive prefix sums of p_j = exp((g_j - g_0) / temperature): each thread scans a
    // contiguous slice, then adds the sum of the slices before it.
    int keep = top_k > 0 ? min(top_k, vocab) : vocab;
    const float g0 = values[0];
    __syncthreads(); // every thread has g0 before values[0] is overwritten
    const int slice = (keep + blockDim.x - 1) / blockDim.x;
    const int begin = min(static_cast<int>(threadIdx.x) * slice, keep);
    const int end = min(begin + slice, keep);
    float running = 0.0f;
    for (int j = begin; j < end; ++j) {
        running += expf((values[j] - g0) / temperature);
        values[j] = running;
    }
    const float offset = block_exclusive_scan(running);
    for (int j = begin; j < end; ++j) {
        values[j] += offset;
    }
    __syncthreads();
    float total = values[keep - 1];

    if (top_p > 0.0f && top_p < 1.0f) { // keep the shortest prefix whose mass reaches top_p of the total
        keep = min(block_first_reaching(values, keep, top_p * total, false) + 1, keep);
        total = values[keep - 1];
    }

    const uint4 bits = philox4x32_10(
        make_uint4(static_cast<uint32_t>(r), static_cast<uint32_t>(step), static_cast<uint32_t>(step >> 32), 0u),
        make_uint2(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)));
    const float u = static_cast<float>(bits.x >> 8) * 0x1p-24f; // 24 bits: exact in fp32, in [0, 1)
    const float target = u * total;
    // Only rounding (u * total rounded up to total) leaves no prefix sum above the target: then the last kept one.
    const int chosen = min(block_first_reaching(values, keep, target, true), keep - 1);
    if (threadIdx.x == 0) {
        tokens[r] = indices[chosen];
    }
}

} // namespace retune::sampling

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_sample_f32(const float* cond, const float* uncond, float guidance, float temperature, int top_k, float top_p,
                  unsigned long long seed, unsigned long long step, long long* tokens, int rows, int vocab) {
    retune::sampling::sample(cond, uncond, guidance, temperature, top_k, top_p, seed, step, tokens, rows, vocab);
}

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_sample_bf16(const __nv_bfloat16* cond, const __nv_bfloat16* uncond, float guidance, float temperature,
                   int top_k, float top_p, unsigned long long seed, unsigned long long step, long long* tokens,
                   int rows, int vocab) {
    retune::sampling::sample(cond, uncond, guidance, temperature, top_k, top_p, seed, step, tokens, rows, vocab);
}

extern "C" __global__ void __launch_bounds__(retune::kBlockThreads)
retune_sample_f16(const __half* cond, const __half* uncond, float guidance, float temperature, int top_k,
                  float top_p, unsigned long long seed, unsigned long long step, long long* tokens, int rows,
                  int vocab) {
    retune::sampling::sample(cond, uncond, guidance, temperature, top_k, top_p, seed, step, tokens, rows, vocab);
}
