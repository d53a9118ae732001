package dev.retune.config;

/**
 * Section {@code ema}: an exponential moving average of the trained weights, kept beside them
 * ({@code ema = decay * ema + (1 - decay) * weights}).
 *
 * @param enabled keep the average (costs one more copy of the trained weights)
 * @param decay   weight of the old average at each update
 * @param every   optimizer steps between two updates of the average
 */
public record EmaConfig(Boolean enabled, Double decay, Integer every) {

    public EmaConfig {
        enabled = enabled != null && enabled;
        decay = decay == null ? 0.99 : decay;
        every = every == null ? 1 : every;

        Check.open("ema.decay", decay, 0.0, 1.0);
        Check.atLeast("ema.every", every, 1);
    }

    public static EmaConfig defaults() {
        return new EmaConfig(null, null, null);
    }
}
