package dev.retune.experiment;

/**
 * The summary of one measure over the samples of a group: n, mean, sample standard deviation (n − 1) and the 95%
 * Student-t interval of the mean, mean ± t(0.975, n − 1) · std / √n. Samples of one configuration are independent
 * draws, so the t interval is the textbook one; it needs no resampling seed. With one value the std and interval are
 * null; with none, everything but n.
 *
 * @param n    values present (samples whose clip defines the measure)
 */
public record AnalysisStatistics(int n, Double mean, Double std, Double low, Double high) {

    /** t(0.975, df) for df = 1..30, from scipy.stats.t.ppf; beyond, the Cornish-Fisher expansion (error &lt; 1e-7). */
    private static final double[] T975 = {12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
        2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024,
        2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272};
    private static final double Z975 = 1.959963984540054;

    static AnalysisStatistics of(double[] values) {
        int n = values.length;
        if (n == 0) {
            return new AnalysisStatistics(0, null, null, null, null);
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / n;
        if (n == 1) {
            return new AnalysisStatistics(1, mean, null, null, null);
        }
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(squares / (n - 1));
        double half = t975(n - 1) * std / Math.sqrt(n);
        return new AnalysisStatistics(n, mean, std, mean - half, mean + half);
    }

    /** The 0.975 quantile of Student's t with {@code df} degrees of freedom. */
    static double t975(int df) {
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = Z975;
        double d = df;
        return z + (z * z * z + z) / (4 * d)
                + (5 * Math.pow(z, 5) + 16 * Math.pow(z, 3) + 3 * z) / (96 * d * d)
                + (3 * Math.pow(z, 7) + 19 * Math.pow(z, 5) + 17 * Math.pow(z, 3) - 15 * z) / (384 * d * d * d)
                + (79 * Math.pow(z, 9) + 776 * Math.pow(z, 7) + 1482 * Math.pow(z, 5) - 1920 * Math.pow(z, 3) - 945 * z)
                / (92160 * d * d * d * d);
    }
}
