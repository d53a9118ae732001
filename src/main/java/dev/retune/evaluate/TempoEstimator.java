package dev.retune.evaluate;

/**
 * Tempo in BPM from a stream of power spectra, in memory fixed by the longest lag (4 s), not by the clip's length.
 *
 * <p>Onset strength is the spectral flux of log-compressed magnitudes, sum_k max(0, ln(1 + C|X_t,k|) - ln(1 +
 * C|X_t-1,k|)) with C = 1000, less its moving mean over the last second. Its autocorrelation r(l) is accumulated as the
 * frames come (unbiased: each lag's sum divided by its number of pairs). A tempo T between 60 and 200 BPM, a beat
 * period of L = 60 fps / T frames, scores the comb sum_{k=1..4} r(kL) / k (linear interpolation between lags, terms
 * with kL past half the clip left out, normalised by the weights used), times a log-normal prior centred on 120 BPM
 * with one octave's deviation. The comb rewards the period whose multiples all recur, so a 60 BPM click scores its
 * double tempo only half as well; the prior settles what the comb cannot, e.g. 70 against 140 BPM, toward 120. The best
 * score on a 0.25 BPM grid is refined by a parabola through its neighbours. No tempo (null) when the onset strength's
 * RMS is below 0.1 (a steady sound: a held tone gives 0.002, white noise 10, music 10 to 30) or the best comb reaches
 * less than a tenth of r(0) (no onsets recur).
 */
final class TempoEstimator {

    static final double MIN_BPM = 60;
    static final double MAX_BPM = 200;
    private static final double GRID_BPM = 0.25;
    private static final double COMPRESSION = 1000;
    private static final int COMB_TERMS = 4;
    private static final double PRIOR_CENTRE_BPM = 120;
    private static final double PRIOR_OCTAVES = 1.0;
    private static final double MIN_PERIODICITY = 0.1;
    /** r(0) below this (an RMS of 0.1: one bin rising by a tenth per frame) is a steady sound, e.g. a held tone. */
    private static final double MIN_ONSET_POWER = 0.01;
    private static final double DETREND_SECONDS = 1.0;

    private final double fps;
    private final double[] previous;
    private boolean started;
    private final double[] recentFlux;
    private double recentSum;
    private final double[] onsets;
    private final double[] sums;
    private long count;

    /** @param framesPerSecond the rate of the spectra, sample rate / hop */
    TempoEstimator(double framesPerSecond, int bins) {
        this.fps = framesPerSecond;
        this.previous = new double[bins];
        this.recentFlux = new double[Math.max(1, (int) Math.round(DETREND_SECONDS * fps))];
        int maxLag = (int) Math.ceil(COMB_TERMS * 60 * fps / MIN_BPM) + 2;
        this.onsets = new double[maxLag + 1];
        this.sums = new double[maxLag + 1];
    }

    void add(double[] power, int bins) {
        double flux = 0;
        for (int k = 0; k < bins; k++) {
            double level = Math.log1p(COMPRESSION * Math.sqrt(power[k]));
            flux += Math.max(0, level - previous[k]);
            previous[k] = level;
        }
        if (!started) {
            started = true; // the first frame has nothing to rise from
            return;
        }
        int slot = (int) (count % recentFlux.length);
        recentSum += flux - recentFlux[slot];
        recentFlux[slot] = flux;
        double onset = flux - recentSum / Math.min(count + 1, recentFlux.length);
        int here = (int) (count % onsets.length);
        onsets[here] = onset;
        int lags = (int) Math.min(count, onsets.length - 1);
        for (int lag = 0; lag <= lags; lag++) {
            sums[lag] += onset * onsets[Math.floorMod(here - lag, onsets.length)];
        }
        count++;
    }

    /** The tempo in BPM, or null when the onsets show no recurring period. */
    Double bpm() {
        if (count < 4 || correlation(0) < MIN_ONSET_POWER) {
            return null;
        }
        int points = (int) Math.round((MAX_BPM - MIN_BPM) / GRID_BPM) + 1;
        double[] scores = new double[points];
        int best = -1;
        for (int i = 0; i < points; i++) {
            double bpm = MIN_BPM + i * GRID_BPM;
            scores[i] = comb(bpm) * prior(bpm);
            if (!Double.isNaN(scores[i]) && (best < 0 || scores[i] > scores[best])) {
                best = i;
            }
        }
        double bpmAtBest = MIN_BPM + best * GRID_BPM;
        if (best < 0 || comb(bpmAtBest) < MIN_PERIODICITY * correlation(0)) {
            return null;
        }
        return bpmAtBest + GRID_BPM * parabolaOffset(scores, best);
    }

    /** Mean of r(kL)/k over the usable terms, NaN when none is usable. */
    private double comb(double bpm) {
        double period = 60 * fps / bpm;
        double limit = Math.min(sums.length - 2, (count - 1) / 2.0);
        double total = 0;
        double weights = 0;
        for (int k = 1; k <= COMB_TERMS && k * period <= limit; k++) {
            total += interpolated(k * period) / k;
            weights += 1.0 / k;
        }
        return weights == 0 ? Double.NaN : total / weights;
    }

    private double interpolated(double lag) {
        int low = (int) lag;
        double t = lag - low;
        return (1 - t) * correlation(low) + t * correlation(low + 1);
    }

    private double correlation(int lag) {
        return sums[lag] / (count - lag);
    }

    private static double prior(double bpm) {
        double octaves = Math.log(bpm / PRIOR_CENTRE_BPM) / Math.log(2) / PRIOR_OCTAVES;
        return Math.exp(-0.5 * octaves * octaves);
    }

    /** Vertex of the parabola through the best grid point and its neighbours, in grid steps from it (|x| <= 0.5). */
    private static double parabolaOffset(double[] scores, int best) {
        if (best == 0 || best == scores.length - 1 || Double.isNaN(scores[best - 1]) || Double.isNaN(scores[best + 1])) {
            return 0;
        }
        double left = scores[best - 1];
        double right = scores[best + 1];
        double curvature = left - 2 * scores[best] + right;
        return curvature >= 0 ? 0 : Math.max(-0.5, Math.min(0.5, 0.5 * (left - right) / curvature));
    }
}
