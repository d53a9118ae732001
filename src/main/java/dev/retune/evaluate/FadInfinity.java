package dev.retune.evaluate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * FAD∞ (Gui et al. 2024, fadtk's schedule): FAD is biased upwards by about b/n at n samples, so it is computed for
 * subsets of the evaluated set's frames, of sizes n spaced evenly from a minimum to all N frames (each drawn with
 * replacement, seeded), against the whole reference; FAD(n) = a + b/n is fitted by least squares in 1/n, and the
 * intercept a is FAD∞, the value an infinite set would get.
 */
final class FadInfinity {

    /** Frames gathered per step of the moments' accumulation (memory: BLOCK × D floats). */
    private static final int BLOCK = 8192;

    /** The fit: FAD(n) = intercept + slope / n, its r², and the points it was fitted to. */
    record Fit(double intercept, double slope, double r2, int[] frames, double[] fad) {}

    private FadInfinity() {}

    /**
     * The fit over {@code steps} sizes from min({@code minFrames}, N / 2) to N; null when the set has too few frames
     * for two sizes. {@code step} runs after each size.
     */
    static Fit fit(EmbeddingSet set, FrechetDistance.Gaussian reference, int steps, int minFrames, long seed, Runnable step) {
        long total = set.frames();
        int smallest = (int) Math.max(2, Math.min(minFrames, total / 2));
        if (smallest >= total || total > Integer.MAX_VALUE) {
            return null;
        }
        int[] sizes = new int[steps];
        double[] fad = new double[steps];
        double[] shift = FrameMoments.meanOf(set);
        long[] offsets = set.offsets();
        SplittableRandom random = new SplittableRandom(seed + 3);
        for (int k = 0; k < steps; k++) {
            sizes[k] = (int) (smallest + (total - smallest) * (double) k / (steps - 1)); // as numpy's linspace, then int()
            long[] drawn = new long[sizes[k]];
            for (int i = 0; i < drawn.length; i++) {
                drawn[i] = random.nextLong(total);
            }
            Arrays.sort(drawn); // neighbouring frames read together
            fad[k] = FrechetDistance.between(moments(set, offsets, drawn, shift).gaussian(), reference);
            step.run();
        }
        return leastSquares(sizes, fad);
    }

    /** The moments of the frames {@code drawn} (set-wide numbers, repeats counted each time). */
    private static FrameMoments moments(EmbeddingSet set, long[] offsets, long[] drawn, double[] shift) {
        int d = set.dimension();
        FrameMoments moments = new FrameMoments(shift);
        float[] block = new float[BLOCK * d];
        for (int start = 0; start < drawn.length; start += BLOCK) {
            int rows = Math.min(BLOCK, drawn.length - start);
            for (int i = 0; i < rows; i++) {
                int clip = EmbeddingSet.clipOf(offsets, drawn[start + i]);
                int row = (int) (drawn[start + i] - offsets[clip]);
                System.arraycopy(set.clips().get(clip).values(), row * d, block, i * d, d);
            }
            moments.addFrames(rows == BLOCK ? block : Arrays.copyOf(block, rows * d), rows);
        }
        return moments;
    }

    /** FAD = intercept + slope · (1/n) by ordinary least squares, with r² = 1 − SS_res / SS_tot. */
    static Fit leastSquares(int[] sizes, double[] fad) {
        int k = sizes.length;
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < k; i++) {
            meanX += 1.0 / sizes[i] / k;
            meanY += fad[i] / k;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < k; i++) {
            double dx = 1.0 / sizes[i] - meanX;
            sxy += dx * (fad[i] - meanY);
            sxx += dx * dx;
        }
        double slope = sxy / sxx;
        double intercept = meanY - slope * meanX;
        double residual = 0;
        double spread = 0;
        for (int i = 0; i < k; i++) {
            double fitted = intercept + slope / sizes[i];
            residual += (fad[i] - fitted) * (fad[i] - fitted);
            spread += (fad[i] - meanY) * (fad[i] - meanY);
        }
        return new Fit(intercept, slope, 1 - residual / spread, sizes, fad);
    }
}
