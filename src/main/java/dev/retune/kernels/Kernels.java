package dev.retune.kernels;

import dev.retune.Log;
import dev.retune.config.KernelsConfig.Mode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Decides, per call, whether a kernel or its libtorch reference runs, and remembers each kernel's self-check per
 * device: the first time a kernel would run on a GPU it computes a small random input both ways; a kernel that
 * disagrees with its reference is disabled there with one warning (or, when forced on, fails the run).
 */
public final class Kernels {

    /**
     * Retune's kernels: the config key, the parity tolerance of the self-check (for fp32 inputs; half-precision inputs
     * allow one rounding step of their outputs, see {@link #tolerance}) and the CUDA functions it launches.
     */
    public enum Kernel {
        CODEBOOK_LOSS("codebook_loss", "kernels.codebook_loss", 2e-3, List.of("retune_ce_forward_f32", "retune_ce_forward_bf16", "retune_ce_forward_f16",
                "retune_ce_backward_f32", "retune_ce_backward_bf16", "retune_ce_backward_f16")),
        ADAMW("adamw", "kernels.adamw", 1e-5, List.of("retune_adamw_f32")),
        SAMPLING("sampling", "kernels.sampling / --sampling-kernel", 0.02, List.of("retune_sample_f32", "retune_sample_bf16", "retune_sample_f16"));

        private final String key;
        private final String setting;
        private final double tolerance;
        private final List<String> functions;

        Kernel(String key, String setting, double tolerance, List<String> functions) {
            this.key = key;
            this.setting = setting;
            this.tolerance = tolerance;
            this.functions = functions;
        }

        /** Its key in the config's {@code kernels} section. */
        public String key() {
            return key;
        }

        /**
         * The self-check's tolerance for inputs of {@code dtype}: kernel and reference round their fp32 results to the
         * output dtype separately, so a value near a rounding boundary may differ by one step (2⁻⁸ for bf16, 2⁻¹¹
         * for fp16) of the largest output. The sampling check counts differing tokens and is unaffected.
         */
        double tolerance(ScalarType dtype) {
            if (this == SAMPLING) {
                return tolerance;
            }
            return switch (dtype) {
                case BFloat16 -> Math.max(tolerance, 1.0 / 128);
                case Half -> Math.max(tolerance, 1.0 / 1024);
                default -> tolerance;
            };
        }

        /** The {@code extern "C"} CUDA functions it launches. */
        public List<String> functions() {
            return functions;
        }
    }

    private static final Map<String, String> DISABLED = new HashMap<>(); // "kernel@device/dtype" → why
    private static final Set<String> PASSED = new HashSet<>();

    private Kernels() {}

    /**
     * Whether {@code kernel} runs for tensors like {@code sample}: never when off or on the CPU (where on is an
     * error), else once the module loads and the self-check passed on that device for the sample's dtype.
     *
     * @param selfCheck the kernel's largest error against its reference on a small random input of the given dtype
     *                  on the sample's device
     */
    static synchronized boolean use(Kernel kernel, Mode mode, Tensor sample, ToDoubleFunction<ScalarType> selfCheck) {
        if (mode == Mode.OFF) {
            return false;
        }
        if (!sample.is_cuda()) {
            if (mode == Mode.ON) {
                throw new KernelException(kernel.setting + " is on, but this runs on the CPU: the kernels need a CUDA device"
                        + " (set it to auto to use them where they can run)");
            }
            return false;
        }
        int device = sample.device().index();
        ScalarType dtype = sample.scalar_type().intern();
        String at = kernel.key() + "@cuda:" + device + "/" + dtype;
        if (PASSED.contains(at)) {
            return true;
        }
        String reason = DISABLED.get(at);
        if (reason == null) {
            try {
                CudaModule.on(device);
                double error = selfCheck.applyAsDouble(dtype);
                if (!(error <= kernel.tolerance(dtype))) {
                    reason = "its self-check against the libtorch reference failed for " + dtype + " (max error " + error
                            + ", tolerance " + kernel.tolerance(dtype) + ")";
                }
            } catch (KernelException e) {
                reason = e.getMessage();
            }
            if (reason == null) {
                PASSED.add(at);
                return true;
            }
            DISABLED.put(at, reason);
            if (mode == Mode.AUTO) {
                Log.warn("kernel " + kernel.key() + " is disabled on cuda:" + device + " for " + dtype + ": " + reason
                        + "; using the libtorch reference");
            }
        }
        if (mode == Mode.ON) {
            throw new KernelException(kernel.setting + " is on, but the kernel cannot run on cuda:" + device + ": " + reason);
        }
        return false;
    }

    /** The module on the tensor's device (only called once {@link #use} said yes). */
    static CudaModule module(Tensor onDevice) {
        return CudaModule.on(onDevice.device().index());
    }
}
