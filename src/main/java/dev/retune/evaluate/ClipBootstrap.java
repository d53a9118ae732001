package dev.retune.evaluate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap over clips of a token-weighted mean (Σ sums / Σ tokens of the clips drawn). Each resample draws
 * as many clips as there are, with replacement, from a generator seeded once: the same seed draws the same clips, so
 * two sources scored on the same clips are resampled in pairs.
 */
final class ClipBootstrap {

    /** The two-sided 95% interval. */
    private static final double LOW = 0.025;
    private static final double HIGH = 0.975;

    private final int resamples;
    private final long seed;

    ClipBootstrap(int resamples, long seed) {
        this.resamples = resamples;
        this.seed = seed;
    }

    /** The 95% interval of Σ sums / Σ tokens. */
    FitResult.Interval mean(double[] sums, long[] tokens) {
        return difference(null, null, sums, tokens);
    }

    /**
     * The 95% interval of the paired difference (Σ sums / Σ tokens) − (Σ baseSums / Σ baseTokens), both over the same
     * clips of each resample; a null base is zero.
     */
    FitResult.Interval difference(double[] baseSums, long[] baseTokens, double[] sums, long[] tokens) {
        int clips = sums.length;
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            double baseSum = 0;
            long count = 0;
            long baseCount = 0;
            for (int i = 0; i < clips; i++) {
                int clip = random.nextInt(clips);
                sum += sums[clip];
                count += tokens[clip];
                if (baseSums != null) {
                    baseSum += baseSums[clip];
                    baseCount += baseTokens[clip];
                }
            }
            values[r] = sum / count - (baseSums == null ? 0 : baseSum / baseCount);
        }
        Arrays.sort(values);
        return new FitResult.Interval(quantile(values, LOW), quantile(values, HIGH));
    }

    /** Quantile {@code q} of sorted {@code values}, interpolated linearly between order statistics (numpy's default). */
    static double quantile(double[] values, double q) {
        double position = q * (values.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, values.length - 1);
        return values[below] + (position - below) * (values[above] - values[below]);
    }
}
