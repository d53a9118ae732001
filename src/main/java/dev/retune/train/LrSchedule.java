package dev.retune.train;

import dev.retune.config.ScheduleConfig.Kind;

/**
 * The learning rate as a pure function of the optimizer step: linear warm-up from 0 over {@code warmupSteps}, then
 * cosine, linear or constant decay to {@code minRatio} × base at step index {@code totalSteps} (the trainer passes the
 * index of its last step, so the floor is reached on the last step taken).
 */
public record LrSchedule(Kind kind, double baseLr, long warmupSteps, long totalSteps, double minRatio, double cutFrac,
                         double ratio) {

    /** A schedule without the slanted-triangular parameters (ULMFiT's defaults, unused by the other kinds). */
    public LrSchedule(Kind kind, double baseLr, long warmupSteps, long totalSteps, double minRatio) {
        this(kind, baseLr, warmupSteps, totalSteps, minRatio, 0.1, 32);
    }

    /** Learning rate for optimizer step {@code step} (0-based: the first step taken is step 0). */
    public double lr(long step) {
        return baseLr * factor(step);
    }

    double factor(long step) {
        if (kind != Kind.SLANTED_TRIANGULAR && step < warmupSteps) {
            return (double) (step + 1) / warmupSteps;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return switch (kind) {
            case COSINE -> minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
            case LINEAR -> 1 - (1 - minRatio) * progress;
            case CONSTANT -> 1.0;
            case SLANTED_TRIANGULAR -> slantedTriangular(step); // its own rise replaces the warmup
        };
    }

    /** ULMFiT (Howard & Ruder 2018, eq. 3): rise over cutFrac of the run, fall over the rest, floor 1/ratio. */
    private double slantedTriangular(long step) {
        double cut = Math.max(1, Math.floor(totalSteps * cutFrac));
        double t = Math.min(step, totalSteps);
        double p = t < cut ? t / cut : 1 - (t - cut) / Math.max(1, cut * (1 / cutFrac - 1));
        return (1 + Math.max(0, p) * (ratio - 1)) / ratio;
    }
}
