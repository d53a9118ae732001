package dev.retune.evaluate;

/**
 * Spectral shape averaged over a clip's frames: flatness, centroid, 85% rolloff and normalised entropy, each computed
 * per frame from the power spectrum P_k (bins k = 0..K-1 of {@link Spectrum}) and averaged with equal weight over the
 * frames given. The caller leaves out silent frames, whose shape says nothing.
 *
 * <ul>
 *   <li>flatness = exp(mean_k ln(P_k + eps)) / mean_k (P_k + eps), eps = 1e-12 (-120 dB re a full-scale sine's bin);
 *   <li>centroid = sum_k f_k |X_k| / sum_k |X_k| in Hz, on the magnitude |X_k| = sqrt(P_k), as librosa does;
 *   <li>rolloff = the lowest f_k where sum_{j<=k} |X_j| reaches 0.85 sum_j |X_j|, in Hz;
 *   <li>entropy = -sum_k p_k ln p_k / ln K with p_k = P_k / sum_j P_j, in [0, 1].
 * </ul>
 */
final class SpectralFeatures {

    static final double FLATNESS_EPSILON = 1e-12;
    static final double ROLLOFF = 0.85;

    private final double binHz;
    private double flatness;
    private double centroid;
    private double rolloff;
    private double entropy;
    private long frames;

    /** @param binHz the spectrum's bin spacing, sample rate / frame length */
    SpectralFeatures(double binHz) {
        this.binHz = binHz;
    }

    /** Adds one frame's power spectrum; a frame of zero power adds nothing. */
    void add(double[] power, int bins) {
        double sum = 0;
        double magnitudeSum = 0;
        double weighted = 0;
        double logSum = 0;
        for (int k = 0; k < bins; k++) {
            double magnitude = Math.sqrt(power[k]);
            sum += power[k];
            magnitudeSum += magnitude;
            weighted += k * binHz * magnitude;
            logSum += Math.log(power[k] + FLATNESS_EPSILON);
        }
        if (sum <= 0) {
            return;
        }
        flatness += Math.exp(logSum / bins) / (sum / bins + FLATNESS_EPSILON);
        centroid += weighted / magnitudeSum;
        rolloff += rolloffHz(power, bins, magnitudeSum);
        entropy += entropy(power, bins, sum);
        frames++;
    }

    private double rolloffHz(double[] power, int bins, double magnitudeSum) {
        double threshold = ROLLOFF * magnitudeSum;
        double cumulative = 0;
        for (int k = 0; k < bins; k++) {
            cumulative += Math.sqrt(power[k]);
            if (cumulative >= threshold) {
                return k * binHz;
            }
        }
        return (bins - 1) * binHz;
    }

    private static double entropy(double[] power, int bins, double sum) {
        double h = 0;
        for (int k = 0; k < bins; k++) {
            if (power[k] > 0) {
                double p = power[k] / sum;
                h -= p * Math.log(p);
            }
        }
        return h / Math.log(bins);
    }

    /** Frames averaged so far. */
    long frames() {
        return frames;
    }

    Double flatness() {
        return mean(flatness);
    }

    Double centroidHz() {
        return mean(centroid);
    }

    Double rolloffHz() {
        return mean(rolloff);
    }

    Double entropy() {
        return mean(entropy);
    }

    /** The mean over frames, or null when no frame was added. */
    private Double mean(double total) {
        return frames == 0 ? null : total / frames;
    }
}
