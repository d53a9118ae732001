package dev.retune.config;

/**
 * Section {@code train}: how long and how the model is trained. The length is set by {@code max_steps} or
 * {@code epochs}, not both; when neither is set, {@code max_steps} is {@value #DEFAULT_MAX_STEPS}.
 *
 * @param maxSteps     optimizer steps to train for; null when {@code epochs} is set
 * @param epochs       passes over the training split to train for; null when {@code max_steps} is set
 * @param gradAccum    batches whose gradients are summed into one optimizer step (effective batch =
 *                     {@code data.batch_size * grad_accum})
 * @param clipNorm     gradients are scaled down so that their global L2 norm is at most this; 0 = no clipping
 * @param cfgDropoutP  classifier-free-guidance dropout: probability that a batch is trained with its text condition
 *                     dropped (one decision per batch, as audiocraft), so the model also learns the unconditional
 *                     distribution used by guidance
 * @param wordDropoutP probability that each word of a training description is dropped (audiocraft's T5 word dropout)
 * @param seed         random seed for the data order, dropout and everything else random in training
 * @param logEvery     optimizer steps between two training metric records
 */
public record TrainConfig(Integer maxSteps, Integer epochs, Integer gradAccum, Double clipNorm, Double cfgDropoutP,
                          Double wordDropoutP, Long seed, Integer logEvery) {

    public static final int DEFAULT_MAX_STEPS = 1_000;

    public TrainConfig {
        if (maxSteps != null && epochs != null) {
            throw new ConfigException("train.max_steps (" + maxSteps + ") and train.epochs (" + epochs + ") are both set;"
                    + " keep one: remove train.epochs (or set it to null) to train for a number of steps, or remove"
                    + " train.max_steps (or set it to null) to train for whole epochs", "train.max_steps", "train.epochs");
        }
        if (maxSteps == null && epochs == null) {
            maxSteps = DEFAULT_MAX_STEPS;
        }
        gradAccum = gradAccum == null ? 1 : gradAccum;
        clipNorm = clipNorm == null ? 1.0 : clipNorm;
        cfgDropoutP = cfgDropoutP == null ? 0.3 : cfgDropoutP;
        wordDropoutP = wordDropoutP == null ? 0.0 : wordDropoutP;
        seed = seed == null ? 42L : seed;
        logEvery = logEvery == null ? 1 : logEvery;

        if (maxSteps != null) {
            Check.atLeast("train.max_steps", maxSteps, 1);
        }
        if (epochs != null) {
            Check.atLeast("train.epochs", epochs, 1);
        }
        Check.atLeast("train.grad_accum", gradAccum, 1);
        Check.atLeast("train.clip_norm", clipNorm, 0.0);
        Check.range("train.cfg_dropout_p", cfgDropoutP, 0.0, 1.0);
        Check.range("train.word_dropout_p", wordDropoutP, 0.0, 1.0);
        Check.atLeast("train.log_every", logEvery, 1);
    }

    public static TrainConfig defaults() {
        return new TrainConfig(null, null, null, null, null, null, null, null);
    }
}
