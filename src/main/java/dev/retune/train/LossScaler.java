package dev.retune.train;

import dev.retune.run.TrainerState;

/**
 * Dynamic loss scaling for fp16 training: the loss is multiplied by {@link #scale()} before backward so small
 * gradients survive fp16; gradients are divided by it again before clipping. A step whose gradients are not finite is
 * skipped and the scale halved; after {@code growthInterval} clean steps in a row it doubles. A disabled scaler
 * (fp32, bf16) has scale 1 and never skips.
 */
public final class LossScaler {

    /** What the trainer keeps in checkpoints. */
    private final boolean enabled;
    private final double growthFactor;
    private final double backoffFactor;
    private final long growthInterval;
    private double scale;
    private long cleanSteps;
    private long skippedSteps;

    public LossScaler(boolean enabled, double initialScale, double growthFactor, double backoffFactor, long growthInterval) {
        this.enabled = enabled;
        this.scale = enabled ? initialScale : 1.0;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    public boolean enabled() {
        return enabled;
    }

    public double scale() {
        return scale;
    }

    /**
     * Records the outcome of a step given its unscaled gradient norm; returns true when the optimizer may step.
     * Only an enabled scaler skips: for fp32/bf16 a non-finite norm is a divergence for the trainer to report.
     */
    public boolean update(double gradNorm) {
        if (!enabled) {
            return true;
        }
        if (!Double.isFinite(gradNorm)) {
            scale *= backoffFactor;
            cleanSteps = 0;
            skippedSteps++;
            return false;
        }
        if (++cleanSteps >= growthInterval) {
            scale *= growthFactor;
            cleanSteps = 0;
        }
        return true;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    public TrainerState.LossScale state() {
        return new TrainerState.LossScale(scale, cleanSteps, skippedSteps);
    }

    public void restore(TrainerState.LossScale state) {
        scale = state.scale();
        cleanSteps = state.cleanSteps();
        skippedSteps = state.skippedSteps();
    }
}
