// Runs every Retune kernel on random inputs (fixed host seed) and compares it with a plain CPU implementation written
// here, independently of the kernels (double precision where it helps). One line per case:
//   PASS|FAIL kernel dtype shape max_abs_err=... max_rel_err=... (tol ...)
// For the sampler, the error is how far (as a share of the kept probability mass) the reference's draw lies from the
// token the kernel chose, and the shape also counts the rows where the two tokens differ.
// Exit status: 0 all passed, 1 any failure, 2 no CUDA device. Build and run with native/run-gpu-tests.sh.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <cuda_runtime.h>

#include "../src/retune_kernels.cu"

// ---- plumbing -------------------------------------------------------------------------------------------------------

#define CHECK_CUDA(call) check_cuda((call), #call, __FILE__, __LINE__)

static void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
    if (status != cudaSuccess) {
        std::printf("FAIL CUDA call %s at %s:%d: %s\n", call, file, line, cudaGetErrorString(status));
        std::exit(1);
    }
}

// After a launch: a bad configuration shows in cudaGetLastError, a fault inside the kernel at the synchronisation.
static void check_launch(const char* kernel) {
    check_cuda(cudaGetLastError(), kernel, __FILE__, __LINE__);
    check_cuda(cudaDeviceSynchronize(), kernel, __FILE__, __LINE__);
}

template <typename T>
class DeviceArray {
  public:
    explicit DeviceArray(const std::vector<T>& host) : size_(host.size()) {
        CHECK_CUDA(cudaMalloc(&data_, std::max<size_t>(size_, 1) * sizeof(T)));
        CHECK_CUDA(cudaMemcpy(data_, host.data(), size_ * sizeof(T), cudaMemcpyHostToDevice));
    }
    ~DeviceArray() { CHECK_CUDA(cudaFree(data_)); }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;

    T* get() const { return data_; }
    std::vector<T> download() const {
        std::vector<T> host(size_);
        CHECK_CUDA(cudaMemcpy(host.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost));
        return host;
    }

  private:
    T* data_ = nullptr;
    size_t size_;
};

static int g_passed = 0;
static int g_failed = 0;

// Largest deviations of results from reference values; a value fails when |got - want| > atol + rtol * |want|.
// NaN must meet NaN.
struct Errors {
    double atol, rtol;
    double max_abs = 0, max_rel = 0;
    bool ok = true;

    void add(double got, double want) {
        if (std::isnan(got) || std::isnan(want)) {
            if (std::isnan(got) != std::isnan(want)) {
                ok = false;
                max_abs = max_rel = INFINITY;
            }
            return;
        }
        const double d = std::fabs(got - want);
        max_abs = std::max(max_abs, d);
        if (want != 0) {
            max_rel = std::max(max_rel, d / std::fabs(want));
        }
        if (!(d <= atol + rtol * std::fabs(want))) {
            ok = false;
        }
    }
};

static void report(const char* kernel, const char* dtype, const std::string& shape, const Errors& e) {
    std::printf("%s %s %s %s max_abs_err=%.3g max_rel_err=%.3g (tol %.3g + %.3g*|ref|)\n", e.ok ? "PASS" : "FAIL",
                kernel, dtype, shape.c_str(), e.max_abs, e.max_rel, e.atol, e.rtol);
    (e.ok ? g_passed : g_failed)++;
}

static std::mt19937_64 g_rng(0x5265747532303235ull); // fixed: every run sees the same inputs

static std::vector<float> normal(size_t n, double stddev) {
    std::normal_distribution<float> dist(0.0f, static_cast<float>(stddev));
    std::vector<float> out(n);
    for (float& x : out) {
        x = dist(g_rng);
    }
    return out;
}

static int uniform_int(int lo, int hi) { // inclusive
    return std::uniform_int_distribution<int>(lo, hi)(g_rng);
}

// ---- dtypes ---------------------------------------------------------------------------------------------------------

template <typename T>
struct Dtype;
template <>
struct Dtype<float> {
    static constexpr const char* name = "f32";
    static constexpr double unit_roundoff = 0x1p-24;
    static constexpr auto ce_forward = retune_ce_forward_f32;
    static constexpr auto ce_backward = retune_ce_backward_f32;
    static constexpr auto sample = retune_sample_f32;
};
template <>
struct Dtype<__nv_bfloat16> {
    static constexpr const char* name = "bf16";
    static constexpr double unit_roundoff = 0x1p-8;
    static constexpr auto ce_forward = retune_ce_forward_bf16;
    static constexpr auto ce_backward = retune_ce_backward_bf16;
    static constexpr auto sample = retune_sample_bf16;
};
template <>
struct Dtype<__half> {
    static constexpr const char* name = "f16";
    static constexpr double unit_roundoff = 0x1p-11;
    static constexpr auto ce_forward = retune_ce_forward_f16;
    static constexpr auto ce_backward = retune_ce_backward_f16;
    static constexpr auto sample = retune_sample_f16;
};

// Rounds `values` in place to what T holds, so that the reference sees exactly what the kernel sees, and returns
// them as T.
template <typename T>
static std::vector<T> to_dtype(std::vector<float>& values) {
    std::vector<T> out(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        out[i] = retune::from_float<T>(values[i]);
        values[i] = retune::to_float(out[i]);
    }
    return out;
}

// ---- Philox ---------------------------------------------------------------------------------------------------------

struct PhiloxVector {
    uint4 counter;
    uint2 key;
    uint4 expected;
};
// Random123's known-answer vectors for philox4x32-10.
static const PhiloxVector kPhiloxVectors[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};
constexpr int kPhiloxVectorCount = sizeof(kPhiloxVectors) / sizeof(kPhiloxVectors[0]);

static bool same(uint4 a, uint4 b) { return a.x == b.x && a.y == b.y && a.z == b.z && a.w == b.w; }

static void check_philox_host() {
    int wrong = 0;
    for (const PhiloxVector& v : kPhiloxVectors) {
        wrong += !same(retune::philox4x32_10(v.counter, v.key), v.expected);
    }
    Errors e{0, 0};
    e.ok = wrong == 0;
    e.max_abs = wrong;
    report("philox4x32_10", "host", "[known-answer vectors]", e);
}

__global__ void philox_on_device(const PhiloxVector* vectors, uint4* out) {
    out[threadIdx.x] = retune::philox4x32_10(vectors[threadIdx.x].counter, vectors[threadIdx.x].key);
}

static void check_philox_device() {
    DeviceArray<PhiloxVector> vectors(std::vector<PhiloxVector>(kPhiloxVectors, kPhiloxVectors + kPhiloxVectorCount));
    DeviceArray<uint4> out{std::vector<uint4>(kPhiloxVectorCount)};
    philox_on_device<<<1, kPhiloxVectorCount>>>(vectors.get(), out.get());
    check_launch("philox_on_device");
    const std::vector<uint4> got = out.download();
    int wrong = 0;
    for (int i = 0; i < kPhiloxVectorCount; ++i) {
        wrong += !same(got[i], kPhiloxVectors[i].expected);
    }
    Errors e{0, 0};
    e.ok = wrong == 0;
    e.max_abs = wrong;
    report("philox4x32_10", "device", "[known-answer vectors]", e);
}

// ---- cross-entropy -------------------------------------------------------------------------------------------------

struct CeCase {
    int B, K, S, V;
    bool in_place;        // backward writes the gradient over the logits
    bool masked_codebook; // every row of the last codebook masked
    bool bad_targets;     // two valid rows with targets outside [0, V)
};

struct CeInputs {
    std::vector<float> logits; // as the kernel sees them (rounded to T); NaN in masked rows, which must not be read
    std::vector<long long> targets;
    std::vector<unsigned char> mask;
    std::vector<float> weights; // per codebook
};

static CeInputs ce_inputs(const CeCase& c) {
    const long long rows = 1LL * c.B * c.K * c.S;
    CeInputs in;
    in.logits = normal(rows * c.V, 3.0);
    in.targets.resize(rows);
    in.mask.resize(rows);
    for (long long r = 0; r < rows; ++r) {
        const int codebook = static_cast<int>((r / c.S) % c.K);
        in.targets[r] = uniform_int(0, c.V - 1);
        in.mask[r] = !(c.masked_codebook && codebook == c.K - 1) && uniform_int(0, 4) > 0;
        if (!in.mask[r]) {
            std::fill(in.logits.begin() + r * c.V, in.logits.begin() + (r + 1) * c.V, NAN);
        }
    }
    if (c.bad_targets) {
        int planted = 0;
        for (long long r = 0; r < rows && planted < 2; ++r) {
            if (in.mask[r]) {
                in.targets[r] = planted++ == 0 ? -1 : c.V;
            }
        }
    }
    for (int k = 0; k < c.K; ++k) {
        in.weights.push_back(0.5f + 0.25f * k);
    }
    return in;
}

template <typename T>
static void test_ce(const CeCase& c) {
    const long long rows = 1LL * c.B * c.K * c.S;
    CeInputs in = ce_inputs(c);
    DeviceArray<T> logits(to_dtype<T>(in.logits));
    DeviceArray<long long> targets(in.targets);
    DeviceArray<unsigned char> mask(in.mask);
    DeviceArray<float> weights(in.weights);
    DeviceArray<float> row_loss(std::vector<float>(rows, -7.0f));
    DeviceArray<float> row_lse(std::vector<float>(rows, -7.0f));
    std::unique_ptr<DeviceArray<T>> separate_grad;
    T* grad = logits.get();
    if (!c.in_place) {
        separate_grad = std::make_unique<DeviceArray<T>>(std::vector<T>(rows * c.V, retune::from_float<T>(-7.0f)));
        grad = separate_grad->get();
    }

    const auto forward = Dtype<T>::ce_forward;
    forward<<<static_cast<unsigned>(rows), retune::kBlockThreads>>>(logits.get(), targets.get(), mask.get(),
                                                                     row_loss.get(), row_lse.get(), rows, c.V);
    check_launch("retune_ce_forward");
    const auto backward = Dtype<T>::ce_backward;
    backward<<<static_cast<unsigned>(rows), retune::kBlockThreads>>>(logits.get(), targets.get(), mask.get(),
                                                                      row_lse.get(), weights.get(), grad, rows, c.K,
                                                                      c.S, c.V);
    check_launch("retune_ce_backward");
    const std::vector<float> loss = row_loss.download(), lse = row_lse.download();
    const std::vector<T> g = c.in_place ? logits.download() : separate_grad->download();

    Errors fwd{1e-5, 1e-5};
    // The gradient is computed in fp32 (relative error ~1e-6 of softmax, absolute near the target's p - 1), then
    // rounded to T.
    Errors bwd{1e-5, 2e-5 + 1.01 * Dtype<T>::unit_roundoff};
    for (long long r = 0; r < rows; ++r) {
        if (!in.mask[r]) {
            fwd.add(loss[r], 0);
            fwd.add(lse[r], 0);
            for (int v = 0; v < c.V; ++v) {
                bwd.add(retune::to_float(g[r * c.V + v]), 0);
            }
            continue;
        }
        const float* x = in.logits.data() + r * c.V;
        const double max = *std::max_element(x, x + c.V);
        double sum = 0;
        for (int v = 0; v < c.V; ++v) {
            sum += std::exp(x[v] - max);
        }
        const double want_lse = max + std::log(sum);
        const long long t = in.targets[r];
        fwd.add(lse[r], want_lse);
        fwd.add(loss[r], t >= 0 && t < c.V ? want_lse - x[t] : NAN);
        const double w = in.weights[(r / c.S) % c.K];
        for (int v = 0; v < c.V; ++v) {
            bwd.add(retune::to_float(g[r * c.V + v]), (std::exp(x[v] - want_lse) - (v == t)) * w);
        }
    }
    char shape[160];
    std::snprintf(shape, sizeof shape, "[B=%d K=%d S=%d V=%d%s%s%s]", c.B, c.K, c.S, c.V,
                  c.in_place ? " in-place" : "", c.masked_codebook ? " masked-codebook" : "",
                  c.bad_targets ? " bad-targets" : "");
    report("retune_ce_forward", Dtype<T>::name, shape, fwd);
    report("retune_ce_backward", Dtype<T>::name, shape, bwd);
}

// ---- sampling -------------------------------------------------------------------------------------------------------

struct SampleCase {
    int vocab;
    float temperature;
    int top_k;
    float top_p;
    bool cfg;
};

constexpr int kSampleRows = 32; // batch 8 x 4 codebooks
constexpr float kGuidance = 3.0f;

// u + (c - u) * guidance in fp32 with each operation rounded: the volatile keeps the host compiler from fusing the
// multiply and add, as the kernel must not either.
static float guided_ref(float c, float u, float guidance) {
    volatile float scaled = (c - u) * guidance;
    return u + scaled;
}

// NaN first, then larger, then lower index.
static bool ref_before(float a, int ia, float b, int ib) {
    if (std::isnan(a) || std::isnan(b)) {
        return std::isnan(a) && (!std::isnan(b) || ia < ib);
    }
    return a != b ? a > b : ia < ib;
}

// The reference draw of one row: the sorted order, inclusive prefix sums over the top-k entries (before the top-p
// cut), the kept count and the target mass.
struct Draw {
    std::vector<int> order;
    std::vector<double> prefix;
    int keep;
    double target;
    int token;
};

static Draw reference_draw(const std::vector<float>& g, const SampleCase& c, unsigned long long seed,
                           unsigned long long step, int row) {
    Draw d;
    const int V = c.vocab;
    d.order.resize(V);
    for (int v = 0; v < V; ++v) {
        d.order[v] = v;
    }
    std::sort(d.order.begin(), d.order.end(), [&](int a, int b) { return ref_before(g[a], a, g[b], b); });
    if (c.temperature == 0 || c.top_k == 1) {
        d.keep = 1;
        d.target = 0;
        d.token = d.order[0];
        return d;
    }
    const int keep_k = c.top_k > 0 ? std::min(c.top_k, V) : V;
    double running = 0;
    for (int j = 0; j < keep_k; ++j) {
        running += std::exp((static_cast<double>(g[d.order[j]]) - g[d.order[0]]) / c.temperature);
        d.prefix.push_back(running);
    }
    d.keep = keep_k;
    if (c.top_p > 0 && c.top_p < 1) {
        const double threshold = c.top_p * d.prefix[keep_k - 1];
        d.keep = static_cast<int>(std::lower_bound(d.prefix.begin(), d.prefix.end(), threshold) - d.prefix.begin()) + 1;
        d.keep = std::min(d.keep, keep_k);
    }
    const uint4 bits = retune::philox4x32_10(
        make_uint4(static_cast<uint32_t>(row), static_cast<uint32_t>(step), static_cast<uint32_t>(step >> 32), 0),
        make_uint2(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)));
    const double u = (bits.x >> 8) / 16777216.0;
    d.target = u * d.prefix[d.keep - 1];
    const int rank = static_cast<int>(std::upper_bound(d.prefix.begin(), d.prefix.begin() + d.keep, d.target) -
                                      d.prefix.begin());
    d.token = d.order[std::min(rank, d.keep - 1)];
    return d;
}

// How far (in probability mass, relative to the kept total) the reference target lies from the interval of the token
// the kernel chose: 0 when the kernel drew what the reference draws; small when the target sits on a CDF step and
// fp32 rounding went the other way; 1 for a token outside the kept set or a wrong greedy pick.
static double draw_distance(const Draw& d, long long token, const SampleCase& c) {
    if (token < 0 || token >= c.vocab) {
        return INFINITY;
    }
    if (d.prefix.empty()) { // greedy
        return token == d.token ? 0 : 1;
    }
    const int rank = static_cast<int>(std::find(d.order.begin(), d.order.end(), token) - d.order.begin());
    if (rank >= static_cast<int>(d.prefix.size())) {
        return 1;
    }
    const double lo = rank > 0 ? d.prefix[rank - 1] : 0, hi = d.prefix[rank];
    return std::max({0.0, lo - d.target, d.target - hi}) / d.prefix[d.keep - 1];
}

template <typename T>
static void test_sample(const SampleCase& c, int case_id) {
    const int V = c.vocab, rows = kSampleRows;
    std::vector<float> cond = normal(static_cast<size_t>(rows) * V, 2.0), uncond;
    for (int r = 0; r < rows / 2; ++r) { // coarse values in half the rows: ties, broken by index
        for (int v = 0; v < V; ++v) {
            cond[r * V + v] = std::round(cond[r * V + v] * 2) / 2;
        }
    }
    DeviceArray<T> cond_d(to_dtype<T>(cond));
    std::unique_ptr<DeviceArray<T>> uncond_d;
    if (c.cfg) {
        uncond = normal(static_cast<size_t>(rows) * V, 2.0);
        uncond_d = std::make_unique<DeviceArray<T>>(to_dtype<T>(uncond));
    }
    DeviceArray<long long> tokens(std::vector<long long>(rows, -1));
    const unsigned long long seed = 0x0123456789abcdefull + case_id;
    const unsigned long long step = (1ull << 32) + 7 + case_id; // exercises both counter words of the step
    const auto sample = Dtype<T>::sample;
    // Guidance is passed even without uncond, where the kernel must ignore it.
    sample<<<rows, retune::kBlockThreads, retune::next_pow2(V) * 8>>>(
        cond_d.get(), c.cfg ? uncond_d->get() : nullptr, kGuidance, c.temperature, c.top_k, c.top_p, seed, step,
        tokens.get(), rows, V);
    check_launch("retune_sample");
    const std::vector<long long> got = tokens.download();

    Errors e{1e-5, 0};
    int differ = 0;
    for (int r = 0; r < rows; ++r) {
        std::vector<float> g(V);
        for (int v = 0; v < V; ++v) {
            g[v] = c.cfg ? guided_ref(cond[r * V + v], uncond[r * V + v], kGuidance) : cond[r * V + v];
        }
        const Draw d = reference_draw(g, c, seed, step, r);
        e.add(draw_distance(d, got[r], c), 0);
        differ += got[r] != d.token;
    }
    char shape[160];
    std::snprintf(shape, sizeof shape, "[rows=%d V=%d T=%g top_k=%d top_p=%g %s differing=%d]", rows, V,
                  c.temperature, c.top_k, c.top_p, c.cfg ? "cfg" : "no-cfg", differ);
    report("retune_sample", Dtype<T>::name, shape, e);
}

// A NaN among the logits must still give a token in [0, V): greedy picks the NaN (as torch's argmax does), sampling
// falls back to a kept index.
template <typename T>
static void test_sample_nan() {
    const int V = 2048, rows = 4;
    std::vector<float> cond = normal(static_cast<size_t>(rows) * V, 2.0);
    for (int r = 0; r < rows; ++r) {
        cond[r * V + (r * 37 + 5) % V] = NAN;
    }
    DeviceArray<T> cond_d(to_dtype<T>(cond));
    Errors e{0, 0};
    for (float temperature : {0.0f, 1.0f}) {
        DeviceArray<long long> tokens(std::vector<long long>(rows, -1));
        const auto sample = Dtype<T>::sample;
        sample<<<rows, retune::kBlockThreads, retune::next_pow2(V) * 8>>>(cond_d.get(), nullptr, 1.0f, temperature,
                                                                          250, 0.9f, 1, 2, tokens.get(), rows, V);
        check_launch("retune_sample");
        const std::vector<long long> got = tokens.download();
        for (int r = 0; r < rows; ++r) {
            const bool in_range = got[r] >= 0 && got[r] < V;
            e.add(in_range && (temperature != 0 || got[r] == (r * 37 + 5) % V) ? 0 : 1, 0);
        }
    }
    report("retune_sample", Dtype<T>::name, "[rows=4 V=2048 NaN logits, greedy and top_k=250 top_p=0.9]", e);
}

template <typename T>
static void test_sampling() {
    const SampleCase configs[] = {
        {0, 0.0f, 0, 0.9f, true},   // temperature 0: greedy, whatever the filters say
        {0, 1.0f, 1, 0.0f, false},  // top_k 1: greedy
        {0, 1.0f, 0, 0.0f, true},   // plain sampling over the whole vocabulary
        {0, 0.7f, 250, 0.0f, false},
        {0, 1.0f, 0, 0.9f, true},
        {0, 1.0f, 0, 1.0f, false},  // top_p 1: no cut
        {0, 1.3f, 250, 0.9f, true}, // MusicGen's usual top-k with a top-p cut on top
    };
    int case_id = 0;
    for (int vocab : {1, 2, 1000, 2048, 4096}) {
        for (SampleCase c : configs) {
            c.vocab = vocab;
            test_sample<T>(c, case_id++);
        }
    }
    test_sample_nan<T>();
}

// ---- AdamW ----------------------------------------------------------------------------------------------------------

struct AdamwCase {
    const char* name;
    std::vector<long long> sizes;
    bool misaligned; // tensors start one float past a 16-byte boundary: the scalar path
    bool decay;      // weight decay 0.05 on every other tensor, else 0 everywhere
};

constexpr long long kAdamwChunk = 4096;
constexpr long long kGuard = 4; // untouched floats between tensors, to catch writes past a tensor's end

struct AdamwHyper {
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    float bias_correction1 = static_cast<float>(1 - std::pow(0.9, 3)); // at step 3
    float bias_correction2 = static_cast<float>(1 - std::pow(0.999, 3));
};

static void adamw_reference(double& p, double g, double& m, double& v, double lr, double wd, const AdamwHyper& h) {
    p *= 1 - lr * wd;
    m = m * h.beta1 + (1 - static_cast<double>(h.beta1)) * g;
    v = v * h.beta2 + (1 - static_cast<double>(h.beta2)) * g * g;
    const double denom = std::sqrt(v) / std::sqrt(static_cast<double>(h.bias_correction2)) + h.eps;
    p -= lr / h.bias_correction1 * m / denom;
}

static void test_adamw(const AdamwCase& c) {
    // All tensors live in four flat buffers, each starting at a multiple of 4 floats (+1 when misaligned).
    std::vector<long long> offsets;
    long long end = 0;
    for (long long size : c.sizes) {
        offsets.push_back((end + kGuard + 3) / 4 * 4 + (c.misaligned ? 1 : 0));
        end = offsets.back() + size;
    }
    const size_t total = static_cast<size_t>(end + kGuard);
    std::vector<float> param = normal(total, 1.0), grad = normal(total, 0.1), m = normal(total, 0.01),
                       v = normal(total, 0.1);
    for (size_t i = 0; i < total; ++i) {
        v[i] *= v[i];
        if (uniform_int(0, 99) == 0) { // an idle weight: zero gradient and moments
            grad[i] = m[i] = v[i] = 0;
        }
    }
    DeviceArray<float> param_d(param), grad_d(grad), m_d(m), v_d(v);

    std::vector<RetuneAdamwTensor> tensors;
    long long chunks = 0;
    for (size_t i = 0; i < c.sizes.size(); ++i) {
        const float lr = 1e-3f * (1 + i % 3);
        const float wd = c.decay && i % 2 == 1 ? 0.05f : 0.0f;
        tensors.push_back({param_d.get() + offsets[i], grad_d.get() + offsets[i], m_d.get() + offsets[i],
                           v_d.get() + offsets[i], c.sizes[i], lr, wd, chunks});
        chunks += (c.sizes[i] + kAdamwChunk - 1) / kAdamwChunk;
    }
    DeviceArray<RetuneAdamwTensor> tensors_d(tensors);
    const AdamwHyper h;
    retune_adamw_f32<<<static_cast<unsigned>(chunks), retune::kBlockThreads>>>(
        tensors_d.get(), static_cast<int>(tensors.size()), h.beta1, h.beta2, h.eps, h.bias_correction1,
        h.bias_correction2);
    check_launch("retune_adamw_f32");
    const std::vector<float> param_got = param_d.download(), m_got = m_d.download(), v_got = v_d.download();

    std::vector<double> p_want(param.begin(), param.end()), m_want(m.begin(), m.end()), v_want(v.begin(), v.end());
    for (size_t t = 0; t < tensors.size(); ++t) {
        for (long long i = offsets[t]; i < offsets[t] + c.sizes[t]; ++i) {
            adamw_reference(p_want[i], grad[i], m_want[i], v_want[i], tensors[t].lr, tensors[t].weight_decay, h);
        }
    }
    Errors e{1e-6, 1e-5};
    for (size_t i = 0; i < total; ++i) { // guards and gaps included: they must come back unchanged
        e.add(param_got[i], p_want[i]);
        e.add(m_got[i], m_want[i]);
        e.add(v_got[i], v_want[i]);
    }
    char shape[160];
    std::snprintf(shape, sizeof shape, "[%s: %zu tensors, %lld chunks%s%s]", c.name, c.sizes.size(), chunks,
                  c.misaligned ? ", misaligned" : "", c.decay ? ", weight decay 0/0.05" : ", no weight decay");
    report("retune_adamw", "f32", shape, e);
}

static void test_adamw_all() {
    std::vector<long long> many;
    for (int i = 0; i < 300; ++i) {
        many.push_back(uniform_int(1, 1500));
    }
    many[17] = 0; // an empty tensor owns no chunk
    many[100] = 5000;
    many[299] = 12289; // three chunks and one element
    const AdamwCase cases[] = {
        {"1 element", {1}, false, true},
        {"one chunk", {4096}, false, false},
        {"chunk + 1", {4097}, false, true},
        {"tail not a multiple of 4", {10003}, false, true},
        {"mixed sizes", {3, 4096, 8191, 1, 70000}, false, true},
        {"mixed sizes", {4099, 77, 8192}, true, true},
        {"300 small tensors", many, false, true},
        {"300 small tensors", many, false, false},
    };
    for (const AdamwCase& c : cases) {
        test_adamw(c);
    }
}

// ---- main -----------------------------------------------------------------------------------------------------------

template <typename T>
static void test_dtype() {
    const CeCase ce_cases[] = {
        {2, 4, 5, 2048, false, false, false},
        {1, 4, 3, 4096, true, false, false},
        {3, 2, 4, 1, false, false, true},
        {2, 3, 7, 2, true, false, false},
        {1, 4, 6, 1000, false, true, true},
        {2, 4, 3, 300, true, true, false},
    };
    for (const CeCase& c : ce_cases) {
        test_ce<T>(c);
    }
    test_sampling<T>();
}

int main() {
    check_philox_host();
    int devices = 0;
    const cudaError_t status = cudaGetDeviceCount(&devices);
    if (status != cudaSuccess || devices == 0) {
        std::printf("no CUDA device (%s)\n", status != cudaSuccess ? cudaGetErrorString(status) : "count is 0");
        return g_failed > 0 ? 1 : 2;
    }
    cudaDeviceProp prop;
    CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
    std::printf("device: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);

    check_philox_device();
    test_dtype<float>();
    test_dtype<__nv_bfloat16>();
    test_dtype<__half>();
    test_adamw_all();

    std::printf("summary: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed > 0 ? 1 : 0;
}
