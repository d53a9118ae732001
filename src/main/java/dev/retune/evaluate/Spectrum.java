package dev.retune.evaluate;

/**
 * The power spectrum of one frame: periodic Hann window, radix-2 FFT, bins 0..n/2, scaled by the window's sum squared
 * so that a full-scale sine reads 0.25 in its bin whatever the frame length. Reuses its arrays: one instance per
 * frame length and thread.
 */
final class Spectrum {

    private final int size;
    private final double[] window;
    private final double windowSum;
    private final int[] reversed;
    private final double[] cos;
    private final double[] sin;
    private final double[] re;
    private final double[] im;

    Spectrum(int size) {
        if (size < 2 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("frame length must be a power of two, found " + size);
        }
        this.size = size;
        this.window = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / size);
            sum += window[i];
        }
        this.windowSum = sum;
        this.reversed = new int[size];
        int bits = Integer.numberOfTrailingZeros(size);
        for (int i = 0; i < size; i++) {
            reversed[i] = Integer.reverse(i) >>> (32 - bits);
        }
        this.cos = new double[size / 2];
        this.sin = new double[size / 2];
        for (int i = 0; i < size / 2; i++) {
            cos[i] = Math.cos(2 * Math.PI * i / size);
            sin[i] = -Math.sin(2 * Math.PI * i / size);
        }
        this.re = new double[size];
        this.im = new double[size];
    }

    int size() {
        return size;
    }

    /** Number of bins: size / 2 + 1. */
    int bins() {
        return size / 2 + 1;
    }

    /** Writes the power of bins 0..size/2 of {@code frame} (length {@link #size()}) into {@code power}. */
    void power(double[] frame, double[] power) {
        for (int i = 0; i < size; i++) {
            re[reversed[i]] = frame[i] * window[i];
            im[i] = 0;
        }
        transform();
        double scale = 1 / (windowSum * windowSum);
        for (int k = 0; k <= size / 2; k++) {
            power[k] = (re[k] * re[k] + im[k] * im[k]) * scale;
        }
    }

    /** In-place iterative radix-2 FFT of (re, im), input already in bit-reversed order. */
    private void transform() {
        for (int half = 1; half < size; half <<= 1) {
            int stride = size / (2 * half);
            for (int start = 0; start < size; start += 2 * half) {
                for (int j = 0; j < half; j++) {
                    double wr = cos[j * stride];
                    double wi = sin[j * stride];
                    int a = start + j;
                    int b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }
}
