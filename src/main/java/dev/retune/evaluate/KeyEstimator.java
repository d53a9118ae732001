package dev.retune.evaluate;

import java.util.Arrays;

/**
 * Musical key (major or minor) by the Krumhansl–Schmuckler method: a clip-wide chroma vector correlated with the 24
 * rotations of the Krumhansl–Kessler key profiles; the best Pearson correlation names the key and is its strength.
 *
 * <p>Chroma: each power-spectrum bin between {@link #lowestHz} and 5 kHz adds its power to the pitch class nearest
 * its frequency (A4 = 440 Hz, equal temperament); each frame's 12 values are divided by their largest, so every
 * sounding frame counts alike, and summed over the clip. The lowest frequency is where a semitone spans two bins, so
 * that a bin's energy stays within its pitch class (about 200 Hz for an 8192-point frame at 48 kHz); bass notes
 * still count through their harmonics.
 */
final class KeyEstimator {

    /** Pitch-class names as keys are written, with the spellings most keys use (F# minor, Bb major). */
    static final String[] PITCH_CLASSES = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};

    /** Krumhansl & Kessler (1982) probe-tone ratings, tonic first. */
    private static final double[] MAJOR = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
    private static final double[] MINOR = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17};
    private static final double HIGHEST_HZ = 5000;

    /** A key and how well the clip's chroma correlates with its profile (Pearson r, in [-1, 1]). */
    record Key(String name, double strength) {}

    private final int[] pitchClass;
    private final double[] chroma = new double[12];
    private final double[] frame = new double[12];
    private long frames;

    /** @param binHz the spectrum's bin spacing, sample rate / frame length */
    KeyEstimator(double binHz, int bins) {
        this.pitchClass = new int[bins];
        double lowest = lowestHz(binHz);
        for (int k = 0; k < bins; k++) {
            double hz = k * binHz;
            pitchClass[k] = hz < lowest || hz > HIGHEST_HZ ? -1
                    : Math.floorMod((int) Math.round(12 * Math.log(hz / 440) / Math.log(2)) + 9, 12);
        }
    }

    /** Where a semitone (a ratio of 2^(1/12)) is two bins wide. */
    static double lowestHz(double binHz) {
        return 2 * binHz / (Math.pow(2, 1 / 12.0) - 1);
    }

    void add(double[] power, int bins) {
        Arrays.fill(frame, 0);
        for (int k = 0; k < bins; k++) {
            if (pitchClass[k] >= 0) {
                frame[pitchClass[k]] += power[k];
            }
        }
        double max = 0;
        for (double v : frame) {
            max = Math.max(max, v);
        }
        if (max <= 0) {
            return;
        }
        for (int c = 0; c < 12; c++) {
            chroma[c] += frame[c] / max;
        }
        frames++;
    }

    /** The best-correlated key, or null when no frame had energy in the chroma range. */
    Key key() {
        if (frames == 0) {
            return null;
        }
        Key best = null;
        for (int tonic = 0; tonic < 12; tonic++) {
            for (boolean major : new boolean[] {true, false}) {
                double r = correlation(major ? MAJOR : MINOR, tonic);
                if (!Double.isNaN(r) && (best == null || r > best.strength())) {
                    best = new Key(PITCH_CLASSES[tonic] + (major ? " major" : " minor"), r);
                }
            }
        }
        return best;
    }

    /** Pearson correlation of the chroma with {@code profile} rotated so its tonic falls on {@code tonic}. */
    private double correlation(double[] profile, int tonic) {
        double meanChroma = 0;
        double meanProfile = 0;
        for (int c = 0; c < 12; c++) {
            meanChroma += chroma[c] / 12;
            meanProfile += profile[c] / 12;
        }
        double covariance = 0;
        double varChroma = 0;
        double varProfile = 0;
        for (int c = 0; c < 12; c++) {
            double x = chroma[c] - meanChroma;
            double y = profile[Math.floorMod(c - tonic, 12)] - meanProfile;
            covariance += x * y;
            varChroma += x * x;
            varProfile += y * y;
        }
        return covariance / Math.sqrt(varChroma * varProfile);
    }
}
