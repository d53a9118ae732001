package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.Audio;
import dev.retune.data.AudioEncoder;
import dev.retune.data.AudioException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipAnalyzerTest {

    private static final int RATE = 48_000;

    @TempDir
    Path dir;

    @Test
    void sineAtMinus20DbfsReadsMinus23LufsAndMinus20Dbtp() {
        double amplitude = Math.pow(10, -20 / 20.0);
        ClipMetrics m = ClipAnalyzer.analyze(write("sine.wav", mono(15, i -> amplitude * Math.sin(2 * Math.PI * 1000 * i / RATE))));
        assertEquals(-23.0, m.lufs(), 0.1);
        assertEquals(-20.0, m.truePeakDbtp(), 0.2);
        assertEquals(15.0, m.seconds(), 1e-9);
        assertEquals(RATE, m.sampleRate());
        assertEquals(1, m.channels());
        assertTrue(m.spectralFlatness() < 0.01, "flatness " + m.spectralFlatness());
        assertEquals(1000, m.spectralCentroidHz(), 10);
        assertEquals(1000, m.spectralRolloffHz(), 50);
        assertTrue(m.spectralEntropy() < 0.2, "entropy " + m.spectralEntropy());
        assertEquals(0.0, m.clippingRatio());
        assertEquals(0.0, m.silenceRatio());
        assertEquals(0.0, m.snrDb(), 0.05); // a steady tone has no quieter blocks to show a noise floor
        assertNull(m.tempoBpm());
    }

    @Test
    void loudnessHoldsAtOtherSampleRates() {
        // FFmpeg's meter derives its K-weighting filter for the file's own rate.
        for (int rate : new int[] {44_100, 32_000}) {
            float[] x = new float[10 * rate];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (0.1 * Math.sin(2 * Math.PI * 1000 * i / rate));
            }
            ClipMetrics m = ClipAnalyzer.analyze(write("sine" + rate + ".wav", new Audio(new float[][] {x}, rate)));
            assertEquals(rate, m.sampleRate());
            assertEquals(-23.0, m.lufs(), 0.1, "at " + rate + " Hz");
            assertEquals(-20.0, m.truePeakDbtp(), 0.2, "at " + rate + " Hz");
        }
    }

    @Test
    void stereoSumsChannelPowersPlus3Db() {
        double amplitude = Math.pow(10, -20 / 20.0);
        float[] x = mono(10, i -> amplitude * Math.sin(2 * Math.PI * 1000 * i / RATE)).samples()[0];
        ClipMetrics m = ClipAnalyzer.analyze(write("stereo.wav", new Audio(new float[][] {x, x.clone()}, RATE)));
        assertEquals(2, m.channels());
        assertEquals(-23.0 + 10 * Math.log10(2), m.lufs(), 0.1);
    }

    @Test
    void whiteNoiseIsFlatAndSpreadEvenly() {
        Random random = new Random(7);
        ClipMetrics m = ClipAnalyzer.analyze(write("noise.wav", mono(10, i -> 0.1 * random.nextGaussian())));
        // Each bin's power of Gaussian noise is exponentially distributed, whose geometric over arithmetic mean is
        // exp(-Euler's gamma) = 0.5615: the flatness of white noise under this definition.
        assertEquals(Math.exp(-0.5772156649), m.spectralFlatness(), 0.01);
        assertEquals(RATE / 4.0, m.spectralCentroidHz(), 200);
        assertEquals(0.85 * RATE / 2, m.spectralRolloffHz(), 150);
        // The same exponential shares give an entropy of ln K - (1 - gamma) nats over K = 1025 bins.
        assertEquals(1 - (1 - 0.5772156649) / Math.log(1025), m.spectralEntropy(), 0.005);
        assertEquals(Math.log(10) / Math.log(2), m.energyEntropy(), 0.01);
        assertNull(m.tempoBpm());
    }

    @Test
    void silenceHasNoLoudnessAndIsAllSilent() {
        ClipMetrics m = ClipAnalyzer.analyze(write("silence.wav", mono(5, i -> 0)));
        assertEquals(5.0, m.seconds(), 1e-9);
        assertNull(m.lufs());
        assertNull(m.truePeakDbtp());
        assertEquals(1.0, m.silenceRatio());
        assertEquals(0.0, m.clippingRatio());
        assertNull(m.spectralFlatness());
        assertNull(m.spectralCentroidHz());
        assertNull(m.energyEntropy());
        assertNull(m.snrDb());
        assertNull(m.tempoBpm());
        assertNull(m.key());
        assertNull(m.keyStrength());
    }

    @Test
    void clippedSineCountsItsFlatTops() {
        // A 100 Hz sine of amplitude 2 clipped to [-1, 1]: |2 sin| >= 0.999 for a share 1 - (2/pi) asin(0.4995).
        Audio audio = mono(10, i -> Math.max(-1, Math.min(1, 2 * Math.sin(2 * Math.PI * 100 * i / RATE))));
        long constructed = 0;
        for (float v : audio.samples()[0]) {
            constructed += Math.abs(v) >= 0.999 ? 1 : 0;
        }
        ClipMetrics m = ClipAnalyzer.analyze(write("clipped.wav", audio));
        assertEquals(1 - 2 / Math.PI * Math.asin(0.999 / 2), m.clippingRatio(), 0.005); // ± 2 samples a period
        assertEquals((double) constructed / audio.frames(), m.clippingRatio(), 1e-4);
    }

    @Test
    void toneBurstsOverNoiseGiveTheirSnrSilenceAndEnergyEntropy() {
        // 1 s of a 1 kHz tone (power 0.125) and 1 s without, over noise of power 2.5e-7 (-66 dBFS, below the silence
        // threshold): mean block power 0.0625 + 2.5e-7 over a noise floor of 2.5e-7 is 53.98 dB.
        Random random = new Random(3);
        double sigma = 0.0005;
        ClipMetrics m = ClipAnalyzer.analyze(write("bursts.wav", mono(20, i -> sigma * random.nextGaussian()
                + ((i / RATE) % 2 == 0 ? 0.5 * Math.sin(2 * Math.PI * 1000 * i / RATE) : 0))));
        assertEquals(10 * Math.log10((0.0625 + sigma * sigma) / (sigma * sigma)), m.snrDb(), 0.5);
        assertEquals(0.5, m.silenceRatio(), 1e-9);
        // Each sounding block is a steady tone: ten equal sub-block energies, log2(10) bits.
        assertEquals(Math.log(10) / Math.log(2), m.energyEntropy(), 0.01);
    }

    @Test
    void clickTracksReadTheirTempo() {
        for (double bpm : new double[] {120, 90, 140, 72}) {
            ClipMetrics m = ClipAnalyzer.analyze(write("click" + (int) bpm + ".wav", clicks(bpm, 20)));
            assertEquals(bpm, m.tempoBpm(), 2, "click track at " + bpm + " BPM");
        }
    }

    @Test
    void chordProgressionsReadTheirKey() {
        assertEquals("C major", keyOf(0, true));
        assertEquals("G major", keyOf(7, true));
        assertEquals("Eb major", keyOf(3, true));
        assertEquals("A minor", keyOf(9, false));
        assertEquals("F# minor", keyOf(6, false));
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nothing.wav");
        AudioException e = assertThrows(AudioException.class, () -> ClipAnalyzer.analyze(missing));
        assertTrue(e.getMessage().contains("nothing.wav"), e.getMessage());
    }

    /** I–IV–V–I (major) or i–iv–V–i (minor, harmonic V) on {@code tonic}, 1 s per chord, four times over. */
    private String keyOf(int tonic, boolean major) {
        int third = major ? 4 : 3;
        int[][] chords = {
            {0, third, 7}, {5, 5 + third, 12}, {7, 11, 14}, {0, third, 7},
        };
        double[] out = new double[16 * RATE];
        for (int bar = 0; bar < 16; bar++) {
            int[] chord = chords[bar % 4];
            for (int i = 0; i < RATE; i++) {
                double t = (double) i / RATE;
                double envelope = Math.min(1, t / 0.01) * Math.exp(-1.5 * t);
                double sample = tone(48 + tonic + chord[0], t); // bass root, octave 3
                for (int interval : chord) {
                    sample += tone(60 + tonic + interval, t);
                }
                out[bar * RATE + i] = 0.1 * envelope * sample;
            }
        }
        ClipMetrics m = ClipAnalyzer.analyze(write("key" + tonic + major + ".wav", mono(16, i -> out[i])));
        return m.key();
    }

    /** A note of MIDI pitch {@code midi} with four harmonics falling by 0.6 each. */
    private static double tone(int midi, double t) {
        double hz = 440 * Math.pow(2, (midi - 69) / 12.0);
        double sum = 0;
        for (int h = 1; h <= 4; h++) {
            sum += Math.pow(0.6, h - 1) * Math.sin(2 * Math.PI * h * hz * t);
        }
        return sum;
    }

    /** 5 ms clicks (a decaying 2 kHz burst) at {@code bpm} on digital silence. */
    private static Audio clicks(double bpm, double seconds) {
        double period = 60 / bpm * RATE;
        int clickLength = RATE / 200;
        return mono(seconds, i -> {
            double sinceClick = i - Math.floor(i / period) * period;
            return sinceClick < clickLength
                    ? 0.5 * Math.exp(-sinceClick / (clickLength / 4.0)) * Math.sin(2 * Math.PI * 2000 * sinceClick / RATE) : 0;
        });
    }

    private static Audio mono(double seconds, java.util.function.IntToDoubleFunction signal) {
        float[] x = new float[(int) Math.round(seconds * RATE)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) signal.applyAsDouble(i);
        }
        return new Audio(new float[][] {x}, RATE);
    }

    private Path write(String name, Audio audio) {
        Path file = dir.resolve(name);
        AudioEncoder.encode(audio, file);
        return file;
    }
}
