package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.model.EncodecModel;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Codes → files through the streaming decoder: the samples handed to the encoders equal a whole-length decode within
 * 1e-4, a written wav file holds them within 16-bit rounding, and no block on the way holds more than a chunk of
 * frames (plus the decoder's look-ahead at the end), however long the audio.
 */
class AudioOutputTest {

    /** Half a step of 16-bit PCM (wav and flac store s16), plus the streaming decoder's own 1e-4. */
    static final double PCM16_TOLERANCE = 1e-4 + 0.5 / 32768;
    private static final int CHUNK = 40;

    @TempDir
    static Path dir;

    private static EncodecModel codec;

    @BeforeAll
    static void tinyCodec() {
        torch.manual_seed(5);
        codec = quietened(EncodecModel.create(MusicgenConfig.preset("tiny").audioEncoder()));
    }

    @Test
    void samplesOnTheirWayToTheFilesEqualTheWholeLengthDecodeAndComeAChunkAtATime() {
        int frames = 1_234; // 24.7 s: 31 chunks
        Tensor codes = randomCodes(2, frames);
        Tensor whole = wholeDecode(codec, codes); // [2, 1, frames · hop]
        List<List<float[]>> blocks = List.of(new ArrayList<>(), new ArrayList<>());

        try (AudioOutput output = new AudioOutput(codec, List.of(dir.resolve("a.wav"), dir.resolve("b.flac")), CHUNK,
                (item, samples) -> blocks.get(item).add(samples[0]))) {
            // As the generator hands them on: a first window, then the new frames of each following one.
            for (long start = 0, size = 508; start < frames; start += size, size = 305) {
                output.push(codes.narrow(2, start, Math.min(size, frames - start)));
            }
            output.finish();
            assertEquals((long) frames * hop(), output.frames());
        }

        for (int item = 0; item < 2; item++) {
            float[] streamed = join(blocks.get(item));
            assertEquals((long) frames * hop(), streamed.length);
            double difference = maxDifference(streamed, samples(whole, item));
            assertTrue(difference < 1e-4, "item " + item + ": largest difference from the whole decode " + difference);
            List<float[]> items = blocks.get(item);
            assertTrue(items.size() >= frames / CHUNK, "blocks: " + items.size());
            for (int b = 0; b < items.size() - 1; b++) {
                assertTrue(items.get(b).length <= CHUNK * hop(), "block " + b + " of " + items.size() + ": " + items.get(b).length + " samples");
            }
            assertTrue(items.get(items.size() - 1).length <= 2 * CHUNK * hop(), "the last block (the look-ahead's frames)");
        }
    }

    @Test
    void writtenWavAndFlacFilesHoldTheWholeLengthDecodeWithin16BitRounding() {
        int frames = 333;
        Tensor codes = randomCodes(2, frames);
        Tensor whole = wholeDecode(codec, codes);
        List<Path> files = List.of(dir.resolve("rounding.wav"), dir.resolve("rounding.flac"));

        try (AudioOutput output = new AudioOutput(codec, files, CHUNK, AudioOutput.BlockListener.NONE)) {
            output.push(codes);
            output.finish();
        }

        for (int item = 0; item < 2; item++) {
            assertFileHolds(files.get(item), samples(whole, item));
        }
    }

    @Test
    void anOutputClosedBeforeFinishingLeavesNoFiles() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("unfinished"));

        try (AudioOutput output = new AudioOutput(codec, List.of(folder.resolve("x.wav"), folder.resolve("y.mp3")), CHUNK,
                AudioOutput.BlockListener.NONE)) {
            output.push(randomCodes(2, 300));
        }

        try (Stream<Path> left = Files.list(folder)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void codesForAnotherNumberOfItemsThanFilesAreRefused() {
        try (AudioOutput output = AudioOutput.open(codec, List.of(dir.resolve("one.wav")))) {
            IllegalArgumentException error = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> output.push(randomCodes(2, 10)));
            assertTrue(error.getMessage().contains("2 items, expected 1"), error.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("one.wav")));
    }

    /** The file decoded at the codec's rate equals {@code expected} clipped to [-1, 1], within 16-bit rounding. */
    static void assertFileHolds(Path file, float[] expected) {
        Audio audio = AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO);
        assertEquals(expected.length, audio.frames(), file + " length");
        float[] clipped = new float[expected.length];
        for (int i = 0; i < expected.length; i++) {
            clipped[i] = Math.max(-1f, Math.min(1f, expected[i]));
        }
        long unclipped = java.util.stream.IntStream.range(0, expected.length).filter(i -> Math.abs(expected[i]) < 1).count();
        assertTrue(unclipped > 0.9 * expected.length, file + ": most samples must lie within [-1, 1] for the comparison to mean much");
        double difference = maxDifference(audio.samples()[0], clipped);
        assertTrue(difference <= PCM16_TOLERANCE, file + ": largest difference from the whole decode " + difference);
    }

    /**
     * The codec with its last convolution scaled so that decoded random codes peak at 0.5: random weights decode to
     * peaks of ~20, which 16-bit files would clip almost everywhere and so compare nothing.
     */
    static EncodecModel quietened(EncodecModel codec) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor codes = torch.randint(codec.config().codebookSize(), new long[] {1, 4, 100}, new TensorOptions(ScalarType.Long));
            Scalar scale = new Scalar(0.5 / codec.decode(codes).abs().max().item_double());
            Map<String, Tensor> state = StateDict.of(codec);
            state.get("decoder.layers.15.conv.weight").mul_(scale);
            state.get("decoder.layers.15.conv.bias").mul_(scale);
        }
        return codec;
    }

    /** {@code codec.decode} of all the codes at once: [B, K, T] → [B, C, T · hop]. */
    static Tensor wholeDecode(EncodecModel codec, Tensor codes) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return codec.decode(codes);
        }
    }

    /** Channel 0 of item {@code item} of audio [B, C, n]. */
    static float[] samples(Tensor audio, int item) {
        Tensor row = audio.select(0, item).select(0, 0).contiguous();
        float[] out = new float[(int) row.numel()];
        row.data_ptr_float().get(out);
        return out;
    }

    private static Tensor randomCodes(int batch, int frames) {
        return torch.randint(codec.config().codebookSize(), new long[] {batch, 4, frames}, new TensorOptions(ScalarType.Long));
    }

    private static int hop() {
        return (int) codec.config().hopLength();
    }

    private static float[] join(List<float[]> blocks) {
        float[] out = new float[blocks.stream().mapToInt(b -> b.length).sum()];
        int at = 0;
        for (float[] block : blocks) {
            System.arraycopy(block, 0, out, at, block.length);
            at += block.length;
        }
        return out;
    }

    private static double maxDifference(float[] a, float[] b) {
        assertArrayEquals(new int[] {b.length}, new int[] {a.length}, "lengths");
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
