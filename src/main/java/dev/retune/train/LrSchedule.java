package dev.retune.train;

/**
 * The learning rate as a pure function of the optimizer step: linear warm-up from 0 over {@code warmupSteps}, then
 * cosine, linear or constant decay to {@code minRatio} × base at step index {@code totalSteps} (the trainer passes the
 * index of its last step, so the floor is reached on the last step taken).
 */
public record LrSchedule(String kind, double baseLr, long warmupSteps, long totalSteps, double minRatio) {

    public LrSchedule {
        if (!kind.equals("cosine") && !kind.equals("linear") && !kind.equals("constant")) {
            throw new IllegalArgumentException("schedule.kind must be cosine, linear or constant, found " + kind);
        }
    }

    /** Learning rate for optimizer step {@code step} (0-based: the first step taken is step 0). */
    public double lr(long step) {
        return baseLr * factor(step);
    }

    double factor(long step) {
        if (step < warmupSteps) {
            return (double) (step + 1) / warmupSteps;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return switch (kind) {
            case "cosine" -> minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
            case "linear" -> 1 - (1 - minRatio) * progress;
            default -> 1.0;
        };
    }
}
