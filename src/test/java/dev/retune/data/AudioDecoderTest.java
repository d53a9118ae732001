package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AudioDecoderTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"wav", "flac", "mp3", "ogg", "opus", "m4a"})
    void everyFormatDecodesToTheTargetRateWithPitchAndLengthKept(String extension) {
        Path file = TestAudio.write(dir, "tone." + extension, TestAudio.sine(440, 44_100, 2.0, 2));

        Audio audio = AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO);

        assertEquals(32_000, audio.sampleRate());
        assertEquals(1, audio.channels());
        assertEquals(2.0, audio.seconds(), 0.06, "decoded length of " + extension);
        assertEquals(440.0, TestAudio.peakFrequency(audio.samples()[0], 32_000), 1.0, extension + " pitch");
    }

    @Test
    void resamplingKeepsPitch() {
        Path file = TestAudio.write(dir, "a440.wav", TestAudio.sine(440, 44_100, 3.0, 1));

        Audio audio = AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO);

        assertEquals(440.0, TestAudio.peakFrequency(audio.samples()[0], 32_000), 1.0);
        assertEquals(96_000, audio.frames(), 2);
    }

    @Test
    void stereoToMonoIsTheMeanOfTheChannels() {
        int rate = 32_000;
        float[] left = TestAudio.sine(500, rate, 1.0, 1).samples()[0];
        float[] right = new float[left.length];
        for (int i = 0; i < right.length; i++) {
            right[i] = 0.25f;
        }
        Path file = TestAudio.write(dir, "lr.flac", new Audio(new float[][] {left, right}, rate));

        Audio mono = AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO);
        Audio stereo = AudioDecoder.decode(file, new AudioFormat(rate, 2));

        assertEquals(2, stereo.channels());
        for (int i = 0; i < mono.frames(); i += 97) {
            float expected = (stereo.samples()[0][i] + stereo.samples()[1][i]) / 2;
            assertEquals(expected, mono.samples()[0][i], 1e-4, "frame " + i);
        }
        assertEquals(0.125, average(mono.samples()[0]), 2e-3);
    }

    @Test
    void monoSourceIsDuplicatedForStereoOutput() {
        Path file = TestAudio.write(dir, "mono.wav", TestAudio.sine(300, 48_000, 1.0, 1));

        Audio stereo = AudioDecoder.decode(file, new AudioFormat(32_000, 2));

        assertEquals(2, stereo.channels());
        assertTrue(Arrays.equals(stereo.samples()[0], stereo.samples()[1]));
        assertEquals(0.5 / Math.sqrt(2), TestAudio.rms(stereo.samples()[0], 1000, 31_000), 0.01, "level unchanged");
    }

    @ParameterizedTest
    @ValueSource(strings = {"wav", "flac", "mp3"})
    void seekCropEqualsTheSameSpanOfAFullDecode(String extension) {
        Audio music = chords(44_100, 60.0);
        Path file = TestAudio.write(dir, "long." + extension, music);
        Audio full = AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO);

        for (double offset : new double[] {0.0, 7.3, 31.77, 49.5}) {
            Audio crop = AudioDecoder.read(file, AudioFormat.MUSICGEN_MONO, offset, 10.0);
            assertEquals(320_000, crop.frames(), extension + " crop at " + offset);
            int from = (int) Math.round(offset * 32_000);
            double difference = TestAudio.maxAbsDifference(crop.samples()[0], 0, full.samples()[0], from, crop.frames());
            // The preroll lets the decoder and resampler settle, and the output grid is aligned: the crop matches.
            assertTrue(difference < 1e-5, extension + " crop at " + offset + " differs by " + difference);
        }
    }

    @Test
    void cropNearTheEndIsShortAndNotPadded() {
        Path file = TestAudio.write(dir, "short.flac", TestAudio.sine(440, 44_100, 5.0, 1));

        Audio crop = AudioDecoder.read(file, AudioFormat.MUSICGEN_MONO, 3.0, 10.0);

        assertEquals(2.0, crop.seconds(), 0.01);
    }

    @Test
    void inspectFindsRateChannelsAndLength() {
        Path file = TestAudio.write(dir, "x.flac", TestAudio.sine(440, 48_000, 2.5, 2));

        AudioInfo info = AudioDecoder.inspect(file);

        assertEquals("flac", info.codec());
        assertEquals(48_000, info.sampleRate());
        assertEquals(2, info.channels());
        assertEquals(2.5, info.decodedSeconds(), 1e-3);
        assertEquals(0, info.decodeErrors());
    }

    @Test
    void truncatedMp3IsReportedAsTruncated() throws IOException {
        Path whole = TestAudio.write(dir, "whole.mp3", chords(44_100, 6.0));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = TestAudio.writeBytes(dir.resolve("cut.mp3"), Arrays.copyOf(bytes, bytes.length * 2 / 5));

        AudioInfo info = AudioDecoder.inspect(cut);

        assertTrue(info.truncated(), "declared " + info.declaredSeconds() + " s, decoded " + info.decodedSeconds() + " s");
        assertTrue(info.decodedSeconds() < 3.5);
    }

    @Test
    void randomBytesNamedWavGiveAnErrorNamingTheFile() throws IOException {
        byte[] noise = new byte[20_000];
        new Random(3).nextBytes(noise);
        Path file = TestAudio.writeBytes(dir.resolve("noise.wav"), noise);

        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO));

        assertTrue(e.getMessage().contains("noise.wav"), e.getMessage());
    }

    @Test
    void textFileNamedFlacGivesAnErrorNamingTheFile() throws IOException {
        Path file = TestAudio.writeBytes(dir.resolve("notes.flac"), "just some text\n".repeat(50).getBytes(StandardCharsets.UTF_8));

        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.inspect(file));

        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void missingFileSaysSo() {
        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.inspect(dir.resolve("gone.mp3")));

        assertTrue(e.getMessage().contains("gone.mp3") && e.getMessage().contains("not found"), e.getMessage());
    }

    /** Changing chords with some noise, so lossy codecs and seeking work on something music-like. */
    static Audio chords(int rate, double seconds) {
        int frames = (int) (rate * seconds);
        float[][] samples = new float[2][frames];
        Random random = new Random(11);
        double[] roots = {220.0, 261.63, 196.0, 293.66};
        for (int i = 0; i < frames; i++) {
            double t = (double) i / rate;
            double root = roots[(int) (t / 1.5) % roots.length];
            double chord = Math.sin(2 * Math.PI * root * t) + 0.5 * Math.sin(2 * Math.PI * root * 1.5 * t);
            samples[0][i] = (float) (0.3 * chord + 0.02 * random.nextGaussian());
            samples[1][i] = (float) (0.25 * chord + 0.02 * random.nextGaussian());
        }
        return new Audio(samples, rate);
    }

    private static double average(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += v;
        }
        return sum / x.length;
    }
}
