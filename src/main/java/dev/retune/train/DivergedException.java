package dev.retune.train;

/** The loss or the gradient norm stopped being finite in fp32/bf16 training: the run cannot go on. */
public final class DivergedException extends TrainingException {

    public DivergedException(long step, String what, double value) {
        super("training diverged at step " + step + ": " + what + " is " + value
                + "; the last good checkpoint is kept. Lower optim.lr, raise schedule.warmup_steps, or set train.clip_norm");
    }
}
