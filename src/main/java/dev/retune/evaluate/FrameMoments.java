package dev.retune.evaluate;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The first and second moments of frames, as sums about a fixed shift c (the set's mean: sums of centred values keep
 * the covariance's precision): n, Σ(x − c) and Σ(x − c)(x − c)ᵀ, in float64. Moments add, so a resample of clips is
 * the weighted sum of its clips' moments, without going back to the frames.
 */
final class FrameMoments {

    private final double[] shift;
    private long count;
    private final double[] sum;
    private final double[] outer;

    /** Empty moments about {@code shift}. */
    FrameMoments(double[] shift) {
        this.shift = shift;
        this.sum = new double[shift.length];
        this.outer = new double[shift.length * shift.length];
    }

    /** The moments of frames [rows, D] (row-major float32) about {@code shift}. */
    static FrameMoments of(float[] frames, int rows, double[] shift) {
        FrameMoments moments = new FrameMoments(shift);
        moments.addFrames(frames, rows);
        return moments;
    }

    /** The mean of every frame of every clip: the shift of a set's moments. */
    static double[] meanOf(EmbeddingSet set) {
        int d = set.dimension();
        double[] mean = new double[d];
        for (EmbeddingSet.Clip clip : set.clips()) {
            float[] values = clip.values();
            for (int i = 0; i < values.length; i++) {
                mean[i % d] += values[i];
            }
        }
        long frames = set.frames();
        for (int i = 0; i < d; i++) {
            mean[i] /= Math.max(frames, 1);
        }
        return mean;
    }

    /** Adds frames [rows, D] (row-major float32). */
    void addFrames(float[] frames, int rows) {
        if (rows == 0) {
            return;
        }
        int d = shift.length;
        try (PointerScope scope = new PointerScope()) {
            Tensor centred = HostTensors.of(frames, rows, d).sub(HostTensors.of(shift, 1, d)); // [rows, D]
            double[] sums = HostTensors.values(centred.sum(0));
            double[] products = HostTensors.values(centred.t().mm(centred));
            for (int i = 0; i < d; i++) {
                sum[i] += sums[i];
            }
            for (int i = 0; i < outer.length; i++) {
                outer[i] += products[i];
            }
        }
        count += rows;
    }

    /** Adds {@code weight} times {@code other} (same shift). */
    void add(FrameMoments other, int weight) {
        count += (long) weight * other.count;
        for (int i = 0; i < sum.length; i++) {
            sum[i] += weight * other.sum[i];
        }
        for (int i = 0; i < outer.length; i++) {
            outer[i] += weight * other.outer[i];
        }
    }

    long count() {
        return count;
    }

    double[] shift() {
        return shift;
    }

    /** The Gaussian of these frames: mean c + Σ(x − c)/n, covariance (Σ(x − c)(x − c)ᵀ − n m mᵀ)/(n − 1), m = Σ(x − c)/n. */
    FrechetDistance.Gaussian gaussian() {
        if (count < 2) {
            throw new IllegalStateException("a covariance needs 2 samples, found " + count);
        }
        int d = shift.length;
        double[] mean = new double[d];
        double[] centredMean = new double[d];
        for (int i = 0; i < d; i++) {
            centredMean[i] = sum[i] / count;
            mean[i] = shift[i] + centredMean[i];
        }
        double[] covariance = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                covariance[i * d + j] = (outer[i * d + j] - count * centredMean[i] * centredMean[j]) / (count - 1);
            }
        }
        return new FrechetDistance.Gaussian(mean, covariance, count);
    }
}
