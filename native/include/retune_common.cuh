// Helpers shared by Retune's kernels (and by the test harness, which includes this header too).
#pragma once

#include <cstdint>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <math_constants.h>
#include <vector_types.h>

namespace retune {

// Every kernel is launched with this many threads per block; __launch_bounds__ lets ptxas budget registers for it.
constexpr int kBlockThreads = 256;
constexpr int kWarpSize = 32;
constexpr unsigned kFullWarp = 0xffffffffu;

// ---- dtype conversions: kernels read T, compute in fp32, store T ----------------------------------------------------

__host__ __device__ inline float to_float(float x) { return x; }
__host__ __device__ inline float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
__host__ __device__ inline float to_float(__half x) { return __half2float(x); }

template <typename T>
__host__ __device__ inline T from_float(float x);
template <>
__host__ __device__ inline float from_float<float>(float x) { return x; }
template <>
__host__ __device__ inline __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }
template <>
__host__ __device__ inline __half from_float<__half>(float x) { return __float2half_rn(x); }

// ---- reductions -----------------------------------------------------------------------------------------------------

struct SumOp {
    __device__ float operator()(float a, float b) const { return a + b; }
};
// fmaxf drops a NaN operand; callers that must see NaN get it through a later sum instead.
struct MaxOp {
    __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct MinIntOp {
    __device__ int operator()(int a, int b) const { return a < b ? a : b; }
};

// Butterfly reduction: every lane ends with the same bits, because each step combines the same two operands on both
// partner lanes (and + and max are commutative). All 32 lanes must be active.
template <typename V, typename Op>
__device__ inline V warp_reduce(V v, Op op) {
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1) {
        v = op(v, __shfl_xor_sync(kFullWarp, v, offset));
    }
    return v;
}

// Reduces one value per thread over the block and returns the result to every thread. Must be reached by all threads
// of the block (it synchronises); blockDim.x must be a multiple of 32 and at most 1024.
template <typename V, typename Op>
__device__ inline V block_reduce(V v, Op op, V identity) {
    __shared__ V warp_results[kWarpSize];
    const int lane = threadIdx.x % kWarpSize;
    const int warp = threadIdx.x / kWarpSize;
    const int warps = blockDim.x / kWarpSize;
    v = warp_reduce(v, op);
    if (lane == 0) {
        warp_results[warp] = v;
    }
    __syncthreads();
    // Every warp folds the per-warp results itself, so the result needs no second broadcast through shared memory.
    v = warp_reduce(lane < warps ? warp_results[lane] : identity, op);
    __syncthreads(); // warp_results is reused by the next reduction of this type
    return v;
}

__device__ inline float block_sum(float v) { return block_reduce(v, SumOp{}, 0.0f); }
__device__ inline float block_max(float v) { return block_reduce(v, MaxOp{}, -CUDART_INF_F); }

// ---- Philox4x32-10 (Salmon et al., SC 2011; the Random123 definition) ---------------------------------------------

// A counter-based generator: the output is a pure function of (counter, key), so the sampler's random number of
// (seed, row, step) does not depend on thread order, and the Java reference (kernels/Philox.java) computes the same.
// Known answer: counter 0, key 0 -> {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}.
__host__ __device__ inline uint4 philox4x32_10(uint4 c, uint2 k) {
    constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
    constexpr uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k.x += W0;
            k.y += W1;
        }
        const uint64_t p0 = static_cast<uint64_t>(M0) * c.x;
        const uint64_t p1 = static_cast<uint64_t>(M1) * c.z;
        const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
        const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
        c = make_uint4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// ---- misc -----------------------------------------------------------------------------------------------------------

__host__ __device__ constexpr int next_pow2(int n) {
    int p = 1;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

} // namespace retune
