package dev.retune.train;

import dev.retune.Failure;

/** The loss or the gradient norm stopped being finite in fp32/bf16 training: the run cannot go on. */
public final class DivergedException extends TrainingException {

    /** @param lastCheckpoint the step of the run's newest checkpoint, null when it has none */
    public DivergedException(long step, String what, double value, Long lastCheckpoint) {
        super(Failure.DIVERGED, "training diverged at step " + step + ": " + what + " is " + value + "; "
                + (lastCheckpoint == null ? "no checkpoint was written before it, so a rerun starts from the base model"
                        : "the last good checkpoint, of step " + lastCheckpoint + ", is kept")
                + ". Lower optim.lr, raise schedule.warmup_steps, or set train.clip_norm");
    }
}
