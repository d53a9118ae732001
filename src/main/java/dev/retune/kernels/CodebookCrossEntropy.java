package dev.retune.kernels;

import dev.retune.config.KernelsConfig.Mode;
import dev.retune.kernels.Kernels.Kernel;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * MusicGen's loss, fused: for codebook k the mean cross-entropy over its valid positions, and the loss the mean of those
 * K means. {@link #forwardBackward} also returns the gradient of {@code upstream · loss} with respect to the logits,
 * which the caller hands to {@code logits.backward(grad)} — so no fp32 log-probabilities [B, K, S, V] are ever stored
 * (the kernel writes the gradient straight into a buffer of the logits' dtype).
 *
 * <p>Gradient of row r (codebook k, target t, valid): (softmax(x_r) − onehot(t)) · upstream / (K · count_k); zero for
 * masked rows.
 */
public final class CodebookCrossEntropy {

    private static final String CALL = "codebook cross-entropy";
    private static final int THREADS = 256;

    /**
     * @param loss        scalar fp32 loss
     * @param perCodebook [K] fp32 per-codebook means (NaN for a codebook without valid positions)
     * @param logitsGrad  d(upstream · loss)/d logits in the logits' dtype and shape; null from {@link #forward}
     */
    public record Result(Tensor loss, Tensor perCodebook, Tensor logitsGrad) {}

    private final Mode mode;

    public CodebookCrossEntropy(Mode mode) {
        this.mode = mode;
    }

    /**
     * @param logits  [B, K, S, V] float32, bfloat16 or float16, contiguous
     * @param targets [B, K, S] int64: the token of each valid position, in [0, V) (anything in [0, V) elsewhere). Not
     *                checked here, which would cost two device-to-host syncs per call: the trainer's batches are
     *                checked where they are built, and a target out of range gives a NaN loss, never a wrong number
     * @param mask    [B, K, S] bool: which positions count
     */
    public Result forward(Tensor logits, Tensor targets, Tensor mask) {
        check(logits, targets, mask);
        return useKernel(logits) ? kernel(logits, targets, mask, null) : reference(logits, targets, mask, null);
    }

    /** As {@link #forward}, with the gradient of {@code upstream · loss} (upstream: loss scale ÷ accumulation). */
    public Result forwardBackward(Tensor logits, Tensor targets, Tensor mask, double upstream) {
        check(logits, targets, mask);
        return useKernel(logits) ? kernel(logits, targets, mask, upstream) : reference(logits, targets, mask, upstream);
    }

    private boolean useKernel(Tensor logits) {
        return Kernels.use(Kernel.CODEBOOK_LOSS, mode, logits, dtype -> selfCheck(logits.device(), dtype));
    }

    static void check(Tensor logits, Tensor targets, Tensor mask) {
        Args.defined(CALL, "logits", logits);
        Args.defined(CALL, "targets", targets);
        Args.defined(CALL, "mask", mask);
        Args.dims(CALL, "logits", logits, 4, "[B, K, S, V]");
        Args.dtype(CALL, "logits", logits, ScalarType.Float, ScalarType.BFloat16, ScalarType.Half);
        Args.dtype(CALL, "targets", targets, ScalarType.Long);
        Args.dtype(CALL, "mask", mask, ScalarType.Bool);
        Args.contiguous(CALL, "logits", logits);
        Args.contiguous(CALL, "targets", targets);
        Args.contiguous(CALL, "mask", mask);
        Args.sizes(CALL, "targets", targets, logits.size(0), logits.size(1), logits.size(2));
        Args.sameShape(CALL, "mask", mask, "targets", targets);
        Args.sameDevice(CALL, "targets", targets, "logits", logits);
        Args.sameDevice(CALL, "mask", mask, "logits", logits);
        if (logits.size(3) < 1 || logits.size(3) > Integer.MAX_VALUE) {
            throw Args.bad(CALL, "vocabulary size " + logits.size(3) + " is outside 1 .. " + Integer.MAX_VALUE);
        }
        if (logits.numel() == 0) {
            throw Args.bad(CALL, "logits are empty");
        }
    }

    /** The function in libtorch operators (fp32 log-softmax materialised): the CPU path and the kernel's yardstick. */
    static Result reference(Tensor logits, Tensor targets, Tensor mask, Double upstream) {
        long vocab = logits.size(3);
        long rows = targets.numel();
        Tensor x = logits.reshape(rows, vocab).to(ScalarType.Float);
        Tensor lse = x.logsumexp(new long[] {1}, true); // [rows, 1]
        Tensor inRange = targets.ge(new Scalar(0)).logical_and(targets.lt(new Scalar(vocab))).reshape(rows);
        Tensor safeTargets = targets.clamp(new ScalarOptional(new Scalar(0)), new ScalarOptional(new Scalar(vocab - 1))).reshape(rows, 1);
        Tensor picked = x.gather(1, safeTargets); // [rows, 1]
        Tensor rowLoss = lse.sub(picked).reshape(rows)
                .masked_fill(inRange.logical_not(), new Scalar(Double.NaN)) // as the kernel: out of range is NaN, not an error
                .masked_fill(mask.reshape(rows).logical_not(), new Scalar(0.0));
        Tensor counts = counts(mask);
        Tensor perCodebook = perCodebook(rowLoss, mask, counts);
        Tensor grad = null;
        if (upstream != null) {
            Tensor rowWeight = rowWeights(mask, counts, upstream).reshape(rows, 1);
            Tensor onehot = torch.zeros_like(x).scatter_(1, safeTargets, new Scalar(1.0));
            grad = x.sub(lse).exp().sub(onehot).mul(rowWeight).to(logits.scalar_type()).reshape(logits.sizes().vec().get());
        }
        return new Result(perCodebook.mean(), perCodebook, grad);
    }

    private static Result kernel(Tensor logits, Tensor targets, Tensor mask, Double upstream) {
        String suffix = Args.suffix(logits);
        long rows = targets.numel();
        int vocab = (int) logits.size(3);
        TensorOptions floats = new TensorOptions(ScalarType.Float).device(new DeviceOptional(logits.device()));
        Tensor rowLoss = torch.empty(new long[] {rows}, floats, new MemoryFormatOptional());
        Tensor rowLse = torch.empty(new long[] {rows}, floats, new MemoryFormatOptional());
        CudaModule module = Kernels.module(logits);
        try (LaunchArgs args = new LaunchArgs(7)) {
            args.pointer(logits).pointer(targets).pointer(mask).pointer(rowLoss).pointer(rowLse).i64(rows).i32(vocab);
            module.launch("retune_ce_forward_" + suffix, rows, THREADS, 0, args);
        }
        Tensor counts = counts(mask);
        Tensor perCodebook = perCodebook(rowLoss, mask, counts);
        Tensor grad = null;
        if (upstream != null) {
            Tensor weights = codebookWeights(counts, upstream);
            grad = torch.empty_like(logits);
            try (LaunchArgs args = new LaunchArgs(10)) {
                args.pointer(logits).pointer(targets).pointer(mask).pointer(rowLse).pointer(weights).pointer(grad)
                        .i64(rows).i32((int) logits.size(1)).i32((int) logits.size(2)).i32(vocab);
                module.launch("retune_ce_backward_" + suffix, rows, THREADS, 0, args);
            }
        }
        return new Result(perCodebook.mean(), perCodebook, grad);
    }

    /** Valid positions per codebook, [K] fp32. */
    private static Tensor counts(Tensor mask) {
        return mask.to(ScalarType.Float).sum(new long[] {0, 2}, false, new ScalarTypeOptional());
    }

    private static Tensor perCodebook(Tensor rowLoss, Tensor mask, Tensor counts) {
        Tensor sums = rowLoss.reshape(mask.sizes().vec().get()).sum(new long[] {0, 2}, false, new ScalarTypeOptional());
        return sums.div(counts); // 0 / 0 = NaN for a codebook with no valid position, as torch's mean cross-entropy
    }

    /** d loss / d row loss per codebook: upstream / (K · count_k), 0 for an empty codebook. [K] fp32. */
    private static Tensor codebookWeights(Tensor counts, double upstream) {
        long codebooks = counts.size(0);
        Tensor weights = torch.reciprocal(counts.mul(new Scalar((double) codebooks))).mul(new Scalar(upstream));
        return weights.masked_fill(counts.eq(new Scalar(0.0)), new Scalar(0.0)).contiguous();
    }

    /** The weight of each row, [B, K, S]: its codebook's weight where valid, else 0. */
    private static Tensor rowWeights(Tensor mask, Tensor counts, double upstream) {
        Tensor weights = codebookWeights(counts, upstream).reshape(1, counts.size(0), 1);
        return mask.to(ScalarType.Float).mul(weights);
    }

    /** Largest difference between kernel and reference (per-codebook loss and relative gradient) on a random input. */
    private static double selfCheck(Device device, ScalarType dtype) {
        Tensor logits = SelfCheckInputs.normal(1, 3.0, device, 2, 4, 37, 2048).to(dtype);
        Tensor targets = SelfCheckInputs.integers(2, 2048, device, 2, 4, 37);
        Tensor mask = SelfCheckInputs.integers(3, 5, device, 2, 4, 37).gt(new Scalar(0)); // ~80% valid
        Result fused = kernel(logits, targets, mask, 0.5);
        Result plain = reference(logits, targets, mask, 0.5);
        double lossError = fused.perCodebook().sub(plain.perCodebook()).abs().max().item_double();
        Tensor reference = plain.logitsGrad().to(ScalarType.Float);
        double gradError = fused.logitsGrad().to(ScalarType.Float).sub(reference).abs().max().item_double()
                / Math.max(1e-12, reference.abs().max().item_double());
        return Math.max(lossError, gradError);
    }
}
