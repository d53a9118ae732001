package dev.retune.kernels;

import dev.retune.config.KernelsConfig.Mode;
import dev.retune.kernels.Kernels.Kernel;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One generation step's sampling for every (batch row, codebook) at once: classifier-free guidance, temperature,
 * top-k, top-p, and a draw by inverse CDF with a {@link Philox} uniform of (seed, step, row). The same arguments give the
 * same tokens on the CPU reference and in the kernel (up to rows whose uniform falls within rounding of a CDF step).
 *
 * <p>Per row, in fp32: g = uncond + (cond − uncond) · guidance (or cond without uncond); temperature 0 or top-k 1 →
 * argmax (lowest index on ties); else sort g descending (ties by index), p_j = exp((g_j − g_0) / temperature) over the
 * first k, cut to the shortest prefix whose sum reaches top-p · total, and take the first token whose inclusive prefix
 * sum exceeds u · total.
 */
public final class SamplingStep {

    private static final String CALL = "sampling step";
    /** The kernel sorts a row in shared memory: a power of two ≥ V slots of 8 bytes, at most 32 KiB. */
    private static final int KERNEL_MAX_VOCAB = 4096;
    private static final int THREADS = 256;

    /**
     * @param guidance    classifier-free guidance scale (used only with uncond logits)
     * @param temperature 0 = greedy
     * @param topK        0 = off
     * @param topP        0 or 1 = off
     */
    public record Filter(float guidance, float temperature, int topK, float topP) {}

    private final Mode mode;

    public SamplingStep(Mode mode) {
        this.mode = mode;
    }

    /**
     * @param cond   [B, K, V] conditional logits, float32/bfloat16/float16, contiguous
     * @param uncond [B, K, V] null-condition logits of the same dtype, or null (no guidance)
     * @param seed   the generation's seed; {@code step} the decoding step: together they fix the random numbers
     * @return tokens [B, K] int64 on the logits' device
     */
    public Tensor sample(Tensor cond, Tensor uncond, Filter filter, long seed, long step) {
        check(cond, uncond, filter);
        boolean fits = cond.size(2) <= KERNEL_MAX_VOCAB;
        if (fits && Kernels.use(Kernel.SAMPLING, mode, cond, dtype -> selfCheck(cond.device(), dtype))) {
            return kernel(cond, uncond, filter, seed, step);
        }
        if (!fits && mode == Mode.ON && cond.is_cuda()) {
            throw new KernelException("kernels.sampling is on, but the kernel handles vocabularies up to " + KERNEL_MAX_VOCAB
                    + " and this one has " + cond.size(2));
        }
        return reference(cond, uncond, filter, seed, step);
    }

    static void check(Tensor cond, Tensor uncond, Filter filter) {
        Args.defined(CALL, "cond", cond);
        Args.dims(CALL, "cond", cond, 3, "[B, K, V]");
        Args.dtype(CALL, "cond", cond, ScalarType.Float, ScalarType.BFloat16, ScalarType.Half);
        Args.contiguous(CALL, "cond", cond);
        if (cond.numel() == 0) {
            throw Args.bad(CALL, "cond is empty");
        }
        if (uncond != null) {
            Args.sameShape(CALL, "uncond", uncond, "cond", cond);
            if (uncond.scalar_type().intern() != cond.scalar_type().intern()) {
                throw Args.bad(CALL, "uncond is " + uncond.scalar_type() + " but cond is " + cond.scalar_type());
            }
            Args.contiguous(CALL, "uncond", uncond);
            Args.sameDevice(CALL, "uncond", uncond, "cond", cond);
        }
        if (!(filter.temperature() >= 0) || Float.isInfinite(filter.temperature())) {
            throw Args.bad(CALL, "temperature must be finite and ≥ 0, found " + filter.temperature());
        }
        if (filter.topK() < 0) {
            throw Args.bad(CALL, "top-k must be ≥ 0, found " + filter.topK());
        }
        if (!(filter.topP() >= 0 && filter.topP() <= 1)) {
            throw Args.bad(CALL, "top-p must lie in [0, 1], found " + filter.topP());
        }
        if (!Float.isFinite(filter.guidance())) {
            throw Args.bad(CALL, "guidance must be finite, found " + filter.guidance());
        }
    }

    /** The function in libtorch operators: the CPU path and the kernel's yardstick. */
    static Tensor reference(Tensor cond, Tensor uncond, Filter filter, long seed, long step) {
        long batch = cond.size(0);
        long codebooks = cond.size(1);
        long vocab = cond.size(2);
        int rows = Math.toIntExact(batch * codebooks);
        Tensor g = cond.reshape(rows, vocab).to(ScalarType.Float);
        if (uncond != null) {
            Tensor u = uncond.reshape(rows, vocab).to(ScalarType.Float);
            g = u.add(g.sub(u).mul(new Scalar(filter.guidance())));
        }
        Tensor tokens;
        if (filter.temperature() == 0 || filter.topK() == 1) {
            tokens = g.argmax(new LongOptional(1), false);
        } else {
            T_TensorTensor_T sorted = torch.sort(g, new BoolOptional(true), 1, true);
            // Own handles: get0/get1 point into the tuple, which the GC may free once it is unreachable.
            Tensor values = new Tensor(sorted.get0());
            Tensor order = new Tensor(sorted.get1());
            long keep = filter.topK() > 0 ? Math.min(filter.topK(), vocab) : vocab;
            Tensor p = values.sub(values.narrow(1, 0, 1)).div(new Scalar(filter.temperature())).exp();
            Tensor position = torch.arange(new Scalar(vocab), new TensorOptions(ScalarType.Long)).to(g.device(), ScalarType.Long).reshape(1, vocab);
            Tensor kept = torch.full(new long[] {rows, 1}, new Scalar(keep), new TensorOptions(ScalarType.Long)).to(g.device(), ScalarType.Long);
            p = p.masked_fill(position.ge(kept), new Scalar(0.0));
            Tensor cumulative = p.cumsum(1);
            if (filter.topP() > 0 && filter.topP() < 1) {
                Tensor threshold = cumulative.select(1, vocab - 1).mul(new Scalar(filter.topP())).reshape(rows, 1);
                kept = cumulative.lt(threshold).sum(new long[] {1}, true, new ScalarTypeOptional(ScalarType.Long))
                        .add(new Scalar(1)).clamp_max(new Scalar(keep));
                p = p.masked_fill(position.ge(kept), new Scalar(0.0));
                cumulative = p.cumsum(1);
            }
            Tensor total = cumulative.select(1, vocab - 1).reshape(rows, 1);
            float[] uniforms = new float[rows];
            for (int r = 0; r < rows; r++) {
                uniforms[r] = Philox.uniform(seed, step, r);
            }
            Tensor target = torch.tensor(uniforms).to(g.device(), ScalarType.Float).reshape(rows, 1).mul(total);
            Tensor chosen = torch.minimum(cumulative.le(target).sum(new long[] {1}, true, new ScalarTypeOptional(ScalarType.Long)),
                    kept.sub(new Scalar(1)));
            tokens = order.gather(1, chosen);
        }
        return tokens.reshape(batch, codebooks).to(ScalarType.Long);
    }

    private static Tensor kernel(Tensor cond, Tensor uncond, Filter filter, long seed, long step) {
        int rows = Math.toIntExact(cond.size(0) * cond.size(1));
        int vocab = (int) cond.size(2);
        int slots = Integer.highestOneBit(vocab) == vocab ? vocab : Integer.highestOneBit(vocab) * 2;
        Tensor tokens = torch.empty(new long[] {cond.size(0), cond.size(1)},
                new TensorOptions(ScalarType.Long).device(new DeviceOptional(cond.device())),
                new MemoryFormatOptional());
        try (LaunchArgs args = new LaunchArgs(11)) {
            args.pointer(cond).pointer(uncond).f32(filter.guidance()).f32(filter.temperature()).i32(filter.topK())
                    .f32(filter.topP()).i64(seed).i64(step).pointer(tokens).i32(rows).i32(vocab);
            Kernels.module(cond).launch("retune_sample_" + Args.suffix(cond), rows, THREADS, slots * 8, args);
        }
        return tokens;
    }

    /**
     * Share of tokens where kernel and reference differ on random logits (guided, top-k 250, top-p 0.9, and greedy):
     * only rows whose uniform lands within rounding of a CDF step may differ.
     */
    private static double selfCheck(Device device, ScalarType dtype) {
        Tensor cond = SelfCheckInputs.normal(11, 2.0, device, 8, 4, 2048).to(dtype);
        Tensor uncond = SelfCheckInputs.normal(12, 2.0, device, 8, 4, 2048).to(dtype);
        double worst = 0;
        for (Filter filter : new Filter[] {new Filter(3f, 1f, 250, 0f), new Filter(1f, 0.7f, 0, 0.9f), new Filter(3f, 0f, 0, 0f)}) {
            for (long step = 0; step < 4; step++) {
                Tensor fused = kernel(cond, filter.guidance() == 1f ? null : uncond, filter, 5, step);
                Tensor plain = reference(cond, filter.guidance() == 1f ? null : uncond, filter, 5, step);
                worst = Math.max(worst, fused.ne(plain).to(ScalarType.Float).mean().item_double());
            }
        }
        return worst;
    }
}
