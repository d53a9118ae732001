package dev.retune.config;

/**
 * Section {@code checkpoint}: how often training state is saved in the run folder and which checkpoints are kept.
 *
 * @param every    optimizer steps between two checkpoints
 * @param keepLast most recent checkpoints kept; older ones are deleted
 * @param keepBest also keep the checkpoint with the lowest validation loss, even when it is older than the last
 *                 {@code keep_last}
 */
public record CheckpointConfig(Integer every, Integer keepLast, Boolean keepBest) {

    public CheckpointConfig {
        every = every == null ? 100 : every;
        keepLast = keepLast == null ? 2 : keepLast;
        keepBest = keepBest == null || keepBest;

        Check.atLeast("checkpoint.every", every, 1);
        Check.atLeast("checkpoint.keep_last", keepLast, 1);
    }

    public static CheckpointConfig defaults() {
        return new CheckpointConfig(null, null, null);
    }
}
