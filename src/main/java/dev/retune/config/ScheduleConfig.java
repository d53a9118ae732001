package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code schedule}: the learning rate per step. It rises linearly over {@code warmup_steps} (step i of the
 * warmup gets (i + 1) / warmup_steps of {@code optim.lr}), then follows {@code kind} until the last step.
 *
 * @param kind        shape after warmup: cosine or linear decay to {@code optim.lr * min_lr_ratio} at the last step,
 *                    constant at {@code optim.lr}, or ULMFiT's slanted_triangular (a short linear rise over
 *                    {@code cut_frac} of the run, then a long linear fall; lowest rate = optim.lr / {@code ratio};
 *                    ignores warmup_steps and min_lr_ratio)
 * @param warmupSteps optimizer steps of linear warmup; 0 = start at the full rate
 * @param minLrRatio  final learning rate as a share of {@code optim.lr} (cosine and linear only)
 * @param cutFrac     slanted_triangular: share of the run spent rising (ULMFiT: 0.1)
 * @param ratio       slanted_triangular: how much smaller the lowest rate is than the peak (ULMFiT: 32)
 */
public record ScheduleConfig(Kind kind, Integer warmupSteps, Double minLrRatio, Double cutFrac, Double ratio) {

    /** Schedule shapes; YAML values are the lowercase names. */
    public enum Kind {
        COSINE, LINEAR, CONSTANT, SLANTED_TRIANGULAR;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ScheduleConfig {
        kind = kind == null ? Kind.COSINE : kind;
        warmupSteps = warmupSteps == null ? 0 : warmupSteps;
        minLrRatio = minLrRatio == null ? 0.0 : minLrRatio;
        cutFrac = cutFrac == null ? 0.1 : cutFrac;
        ratio = ratio == null ? 32.0 : ratio;

        Check.atLeast("schedule.warmup_steps", warmupSteps, 0);
        Check.range("schedule.min_lr_ratio", minLrRatio, 0.0, 1.0);
        Check.open("schedule.cut_frac", cutFrac, 0.0, 1.0);
        Check.atLeast("schedule.ratio", ratio, 1.0);
    }

    public static ScheduleConfig defaults() {
        return new ScheduleConfig(null, null, null, null, null);
    }
}
