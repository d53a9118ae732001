package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code kernels}: whether Retune's own CUDA kernels replace the libtorch operators they fuse. Each kernel has
 * the same function written with libtorch operators (its reference), which runs on the CPU and wherever the kernel is
 * off or unavailable.
 *
 * @param codebookLoss the fused masked multi-codebook cross-entropy (forward and gradient) of training
 * @param adamw        the multi-tensor AdamW step over all trainable parameters
 * @param sampling     the fused guidance + filtering + sampling step of generation
 */
public record KernelsConfig(Mode codebookLoss, Mode adamw, Mode sampling) {

    /**
     * auto: the kernel on a CUDA device once it passed its parity self-check, else the reference; on: the kernel, and
     * an error where it cannot run; off: always the reference.
     */
    public enum Mode {
        AUTO, ON, OFF;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public KernelsConfig {
        codebookLoss = codebookLoss == null ? Mode.AUTO : codebookLoss;
        adamw = adamw == null ? Mode.AUTO : adamw;
        sampling = sampling == null ? Mode.AUTO : sampling;
    }

    public static KernelsConfig defaults() {
        return new KernelsConfig(null, null, null);
    }
}
