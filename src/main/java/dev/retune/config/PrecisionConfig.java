package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code precision}: the dtype of the forward and backward pass, and fp16's dynamic loss scaling (as
 * PyTorch's GradScaler: the loss is multiplied by the scale before backward; a step whose gradients overflow is skipped
 * and the scale multiplied by {@code backoff_factor}; after {@code growth_interval} steps without overflow it is
 * multiplied by {@code growth_factor}). The scaling keys are unused for fp32 and bf16.
 *
 * @param mode           fp32, bf16 or fp16
 * @param initialScale   fp16: loss scale at the first step
 * @param growthInterval fp16: optimizer steps without overflow before the scale grows
 * @param growthFactor   fp16: factor the scale grows by
 * @param backoffFactor  fp16: factor the scale shrinks by after an overflow
 */
public record PrecisionConfig(Mode mode, Double initialScale, Integer growthInterval, Double growthFactor,
                              Double backoffFactor) {

    /** Compute precisions; YAML values are the lowercase names. */
    public enum Mode {
        FP32, BF16, FP16;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public PrecisionConfig {
        mode = mode == null ? Mode.FP32 : mode;
        initialScale = initialScale == null ? 65_536.0 : initialScale;
        growthInterval = growthInterval == null ? 2_000 : growthInterval;
        growthFactor = growthFactor == null ? 2.0 : growthFactor;
        backoffFactor = backoffFactor == null ? 0.5 : backoffFactor;

        Check.positive("precision.initial_scale", initialScale);
        Check.atLeast("precision.growth_interval", growthInterval, 1);
        Check.greaterThan("precision.growth_factor", growthFactor, 1.0);
        Check.open("precision.backoff_factor", backoffFactor, 0.0, 1.0);
    }

    public static PrecisionConfig defaults() {
        return new PrecisionConfig(null, null, null, null, null);
    }
}
