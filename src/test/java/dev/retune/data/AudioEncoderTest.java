package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AudioEncoderTest {

    private static final int RATE = 44_100;
    private static final double SECONDS = 1.5;
    private static final float AMPLITUDE = 0.5f;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"wav", "flac", "mp3", "ogg", "opus", "m4a"})
    void everyFormatDecodesBackToTheSameSine(String extension) {
        Path file = dir.resolve("sine." + extension);
        AudioEncoder.encode(new Audio(new float[][] {sine(440)}, RATE), file);

        Audio decoded = AudioDecoder.decode(file, new AudioFormat(RATE, 1));

        // Lossy codecs add priming and padding; their decoders trim most of it.
        assertEquals(SECONDS, decoded.seconds(), 0.05, extension + " duration");
        float[] middle = middle(decoded.samples()[0]);
        assertEquals(440, frequency(middle), 2, extension + " frequency");
        assertEquals(AMPLITUDE / Math.sqrt(2), rms(middle), 0.05 * AMPLITUDE, extension + " level");
    }

    @ParameterizedTest
    @ValueSource(strings = {"wav", "flac", "mp3", "ogg", "opus", "m4a"})
    void stereoStaysStereoWithDistinctChannels(String extension) {
        Path file = dir.resolve("stereo." + extension);
        AudioEncoder.encode(new Audio(new float[][] {sine(440), sine(660)}, RATE), file);

        assertEquals(2, AudioDecoder.inspect(file).channels(), extension + " channels");
        Audio decoded = AudioDecoder.decode(file, new AudioFormat(RATE, 2));
        assertEquals(440, frequency(middle(decoded.samples()[0])), 2, extension + " left");
        assertEquals(660, frequency(middle(decoded.samples()[1])), 2, extension + " right");
    }

    @Test
    void opusIsResampledTo48kHzWhileFlacKeepsTheRate() {
        Path opus = dir.resolve("a.opus");
        Path flac = dir.resolve("a.flac");
        Audio audio = new Audio(new float[][] {sine(440)}, RATE);
        AudioEncoder.encode(audio, opus);
        AudioEncoder.encode(audio, flac);

        assertEquals(48_000, AudioDecoder.inspect(opus).sampleRate());
        assertEquals(RATE, AudioDecoder.inspect(flac).sampleRate());
    }

    @Test
    void monoOggIsDualMonoAtFullLevel() {
        Path file = dir.resolve("mono.ogg");
        AudioEncoder.encode(new Audio(new float[][] {sine(440)}, RATE), file);

        Audio decoded = AudioDecoder.decode(file, new AudioFormat(RATE, 2));
        assertEquals(AMPLITUDE / Math.sqrt(2), rms(middle(decoded.samples()[0])), 0.05 * AMPLITUDE);
        assertEquals(AMPLITUDE / Math.sqrt(2), rms(middle(decoded.samples()[1])), 0.05 * AMPLITUDE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"flac", "mp3", "ogg", "m4a"})
    void sameAudioGivesIdenticalBytes(String extension) throws IOException {
        Audio audio = new Audio(new float[][] {sine(440), sine(550)}, RATE);
        Path first = dir.resolve("first." + extension);
        Path second = dir.resolve("second." + extension);
        AudioEncoder.encode(audio, first);
        AudioEncoder.encode(audio, second);

        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
    }

    @ParameterizedTest
    @ValueSource(strings = {"wav", "flac", "mp3", "ogg", "opus", "m4a"})
    void blocksOfAnySizeGiveTheBytesOfAWholeEncode(String extension) throws IOException {
        Audio audio = new Audio(new float[][] {sine(440), sine(550)}, RATE);
        Path whole = dir.resolve("whole." + extension);
        Path blocks = dir.resolve("blocks." + extension);
        AudioEncoder.encode(audio, whole);

        // Blocks shorter than, equal to and longer than the session's 8192-frame chunk, and one of a single frame.
        int[] sizes = {1, 1000, 8192, 20_000, 3};
        try (AudioEncoder.Writer writer = AudioEncoder.open(blocks, 2, RATE, AudioEncoder.Options.DEFAULT)) {
            for (int start = 0, i = 0; start < audio.frames(); i++) {
                int end = Math.min(audio.frames(), start + sizes[i % sizes.length]);
                writer.write(audio.slice(start, end).samples());
                start = end;
            }
            assertEquals(audio.frames(), writer.frames());
            writer.finish();
        }

        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(blocks), extension);
        assertEquals(List.of("blocks." + extension, "whole." + extension), listing());
    }

    @Test
    void aWriterClosedBeforeFinishingLeavesNoFileAndKeepsTheExistingOne() throws IOException {
        Path file = dir.resolve("take.flac");
        Files.writeString(file, "previous take");

        try (AudioEncoder.Writer writer = AudioEncoder.open(file, 1, RATE, AudioEncoder.Options.DEFAULT)) {
            writer.write(new float[][] {sine(440)});
            assertEquals(2, listing().size(), "the audio goes to a temp file beside the target: " + listing());
        }

        assertEquals("previous take", Files.readString(file));
        assertEquals(List.of("take.flac"), listing());
    }

    @Test
    void unknownExtensionNamesTheFileAndTheSupportedOnes() {
        Path file = dir.resolve("song.xyz");
        AudioException error = assertThrows(AudioException.class,
                () -> AudioEncoder.encode(new Audio(new float[][] {sine(440)}, RATE), file));

        assertTrue(error.getMessage().contains("song.xyz"), error.getMessage());
        for (String extension : List.of(".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")) {
            assertTrue(error.getMessage().contains(extension), error.getMessage());
        }
        assertEquals(List.of(), listing());
    }

    @Test
    @Timeout(30)
    void emptyAudioIsRefused() {
        // FFmpeg's Vorbis encoder would spin forever flushing an empty stream.
        Path file = dir.resolve("empty.ogg");
        AudioException error = assertThrows(AudioException.class,
                () -> AudioEncoder.encode(new Audio(new float[][] {new float[0]}, RATE), file));

        assertTrue(error.getMessage().contains("no samples"), error.getMessage());
        assertEquals(List.of(), listing());
    }

    @Test
    void rejectedAudioKeepsTheExistingFile() throws IOException {
        Path file = dir.resolve("song.mp3");
        Files.writeString(file, "previous take");
        float[][] threeChannels = {sine(440), sine(550), sine(660)};

        AudioException error = assertThrows(AudioException.class,
                () -> AudioEncoder.encode(new Audio(threeChannels, RATE), file));

        assertTrue(error.getMessage().contains("song.mp3"), error.getMessage());
        assertEquals("previous take", Files.readString(file));
        assertEquals(List.of("song.mp3"), listing());
    }

    @Test
    void failedRenameLeavesNoTempFileAndKeepsWhatWasThere() throws IOException {
        // A non-empty folder under the target name: encoding succeeds, the final rename cannot replace it.
        Path file = dir.resolve("song.wav");
        Files.createDirectory(file);
        Files.writeString(file.resolve("keep.txt"), "keep");

        AudioException error = assertThrows(AudioException.class,
                () -> AudioEncoder.encode(new Audio(new float[][] {sine(440)}, RATE), file));

        assertTrue(error.getMessage().contains("song.wav"), error.getMessage());
        assertEquals("keep", Files.readString(file.resolve("keep.txt")));
        assertEquals(List.of("song.wav"), listing());
    }

    private List<String> listing() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] sine(double hz) {
        float[] out = new float[(int) (SECONDS * RATE)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (AMPLITUDE * Math.sin(2 * Math.PI * hz * i / RATE));
        }
        return out;
    }

    /** Drops 0.1 s at each end, where codec priming and padding live. */
    private static float[] middle(float[] samples) {
        int edge = RATE / 10;
        return Arrays.copyOfRange(samples, edge, samples.length - edge);
    }

    /**
     * The strongest frequency between 100 and 1500 Hz of the Hann-windowed signal: a 1 Hz Goertzel scan, then 0.05 Hz
     * steps around the best. A spectral peak, unlike zero crossings, ignores the coding noise around the tone.
     */
    private static double frequency(float[] x) {
        double[] windowed = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            windowed[i] = x[i] * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / (x.length - 1)));
        }
        double coarse = strongest(windowed, 100, 1500, 1);
        return strongest(windowed, coarse - 1, coarse + 1, 0.05);
    }

    private static double strongest(double[] x, double fromHz, double toHz, double stepHz) {
        double best = fromHz;
        double bestPower = -1;
        for (double hz = fromHz; hz <= toHz; hz += stepHz) {
            double power = goertzelPower(x, hz);
            if (power > bestPower) {
                bestPower = power;
                best = hz;
            }
        }
        return best;
    }

    private static double goertzelPower(double[] x, double hz) {
        double coefficient = 2 * Math.cos(2 * Math.PI * hz / RATE);
        double s1 = 0;
        double s2 = 0;
        for (double v : x) {
            double s = v + coefficient * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    }

    private static double rms(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += v * v;
        }
        return Math.sqrt(sum / x.length);
    }
}
