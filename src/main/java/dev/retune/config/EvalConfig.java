package dev.retune.config;

/**
 * Section {@code eval}: validation during training, on the dataset's validation split.
 *
 * @param every      optimizer steps between two validation runs
 * @param patience   validation runs without a new best loss before training stops early; 0 = never stop early
 * @param maxBatches validation batches per run; null = the whole validation split
 */
public record EvalConfig(Integer every, Integer patience, Integer maxBatches) {

    public EvalConfig {
        every = every == null ? 100 : every;
        patience = patience == null ? 0 : patience;

        Check.atLeast("eval.every", every, 1);
        Check.atLeast("eval.patience", patience, 0);
        if (maxBatches != null) {
            Check.atLeast("eval.max_batches", maxBatches, 1);
        }
    }

    public static EvalConfig defaults() {
        return new EvalConfig(null, null, null);
    }
}
