package dev.retune.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Signals and measurements shared by the audio tests. */
public final class TestAudio {

    private TestAudio() {}

    /** A sine of {@code hz} at amplitude 0.5, {@code seconds} long, the same on every channel. */
    public static Audio sine(double hz, int rate, double seconds, int channels) {
        int frames = (int) Math.round(seconds * rate);
        float[][] samples = new float[channels][frames];
        for (int i = 0; i < frames; i++) {
            float value = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / rate));
            for (int c = 0; c < channels; c++) {
                samples[c][i] = value;
            }
        }
        return new Audio(samples, rate);
    }

    /** Chords over noise, different per seed, {@code seconds} long, stereo. */
    public static Audio music(int rate, double seconds, long seed) {
        int frames = (int) Math.round(rate * seconds);
        Random random = new Random(seed);
        double root = 110 + 40 * seed;
        float[][] samples = new float[2][frames];
        for (int i = 0; i < frames; i++) {
            double t = (double) i / rate;
            double chord = Math.sin(2 * Math.PI * root * (1 + (int) (t / 2) % 3 * 0.25) * t) + 0.5 * Math.sin(2 * Math.PI * root * 1.5 * t);
            samples[0][i] = (float) (0.3 * chord + 0.05 * random.nextGaussian());
            samples[1][i] = (float) (0.2 * chord + 0.05 * random.nextGaussian());
        }
        return new Audio(samples, rate);
    }

    /** Writes {@code audio} with FFmpeg's encoder for the file's extension. */
    public static Path write(Path dir, String name, Audio audio) {
        Path file = dir.resolve(name);
        AudioEncoder.encode(audio, file);
        return file;
    }

    public static Path writeBytes(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    /**
     * Frequency of the strongest spectral peak, by FFT over the largest power-of-two window from the signal's middle,
     * refined by parabolic interpolation of the log magnitude (sub-bin accuracy).
     */
    public static double peakFrequency(float[] signal, int rate) {
        int n = Integer.highestOneBit(signal.length);
        int start = (signal.length - n) / 2;
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
            re[i] = signal[start + i] * hann;
        }
        fft(re, im);
        int best = 1;
        for (int k = 1; k < n / 2; k++) {
            if (magnitude(re, im, k) > magnitude(re, im, best)) {
                best = k;
            }
        }
        double a = Math.log(magnitude(re, im, best - 1) + 1e-12);
        double b = Math.log(magnitude(re, im, best) + 1e-12);
        double c = Math.log(magnitude(re, im, best + 1) + 1e-12);
        double shift = 0.5 * (a - c) / (a - 2 * b + c);
        return (best + shift) * rate / n;
    }

    public static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += x[i] * x[i];
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }

    public static double maxAbsDifference(float[] a, int aFrom, float[] b, int bFrom, int length) {
        double max = 0;
        for (int i = 0; i < length; i++) {
            max = Math.max(max, Math.abs(a[aFrom + i] - b[bFrom + i]));
        }
        return max;
    }

    private static double magnitude(double[] re, double[] im, int k) {
        return Math.hypot(re[k], im[k]);
    }

    /** In-place iterative radix-2 FFT. */
    private static void fft(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i]; re[i] = re[j]; re[j] = t;
                t = im[i]; im[i] = im[j]; im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double angle = -2 * Math.PI / len;
            for (int i = 0; i < n; i += len) {
                for (int k = 0; k < len / 2; k++) {
                    double wr = Math.cos(angle * k);
                    double wi = Math.sin(angle * k);
                    int u = i + k;
                    int v = u + len / 2;
                    double xr = re[v] * wr - im[v] * wi;
                    double xi = re[v] * wi + im[v] * wr;
                    re[v] = re[u] - xr;
                    im[v] = im[u] - xi;
                    re[u] += xr;
                    im[u] += xi;
                }
            }
        }
    }
}
