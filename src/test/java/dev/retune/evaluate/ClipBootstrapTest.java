package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bootstrap of a token-weighted mean over clips, alone and paired. */
class ClipBootstrapTest {

    private static final long[] TOKENS = {100, 200, 50, 400, 250};
    private static final double[] LOSS = {1.0, 3.0, 2.0, 5.0, 4.0};

    @Test
    void pairedResamplingCancelsWhatBothSourcesShare() {
        // Source B is source A plus 0.25 nats on every token of every clip: any resample of the same clips differs by
        // exactly 0.25, while either source alone varies with which clips are drawn.
        double[] a = new double[LOSS.length];
        double[] b = new double[LOSS.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = LOSS[i] * TOKENS[i];
            b[i] = (LOSS[i] + 0.25) * TOKENS[i];
        }
        ClipBootstrap bootstrap = new ClipBootstrap(1000, 11);

        FitResult.Interval alone = bootstrap.mean(a, TOKENS);
        FitResult.Interval paired = bootstrap.difference(a, TOKENS, b, TOKENS);

        assertTrue(alone.high() - alone.low() > 1, alone.toString());
        assertEquals(0.25, paired.low(), 1e-12);
        assertEquals(0.25, paired.high(), 1e-12);
    }

    @Test
    void intervalOfTheTokenWeightedMeanHoldsItAndRepeatsWithTheSeed() {
        double[] sums = new double[LOSS.length];
        for (int i = 0; i < sums.length; i++) {
            sums[i] = LOSS[i] * TOKENS[i];
        }
        double mean = (100 * 1.0 + 200 * 3.0 + 50 * 2.0 + 400 * 5.0 + 250 * 4.0) / 1000;

        FitResult.Interval interval = new ClipBootstrap(2000, 3).mean(sums, TOKENS);

        assertTrue(interval.low() < mean && mean < interval.high(), mean + " in " + interval);
        assertTrue(interval.low() >= 1.0 && interval.high() <= 5.0, interval.toString());
        assertEquals(interval, new ClipBootstrap(2000, 3).mean(sums, TOKENS));
    }

    @Test
    void quantilesInterpolateBetweenOrderStatisticsAsNumpy() {
        double[] sorted = {1, 2, 3, 4};
        assertEquals(1.075, ClipBootstrap.quantile(sorted, 0.025), 1e-12); // numpy.percentile([1, 2, 3, 4], 2.5)
        assertEquals(3.925, ClipBootstrap.quantile(sorted, 0.975), 1e-12);
        assertEquals(2.5, ClipBootstrap.quantile(sorted, 0.5), 1e-12);
    }
}
