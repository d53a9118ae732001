package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link AudioStream}: the blocks joined are {@link AudioDecoder#decode} bit for bit, for every block size from one
 * frame to more than the file, through resampling, downmix and upmix, lossless and lossy containers; and its buffer
 * does not grow with the file.
 */
class AudioStreamTest {

    private static final int[] BLOCKS = {1, 999, 4_096, 32_000, 10_000_000};

    @TempDir
    static Path dir;

    static List<Arguments> files() {
        Audio stereo44 = AudioDecoderTest.chords(44_100, 3.0);
        Audio mono32 = new Audio(new float[][] {AudioDecoderTest.chords(32_000, 2.0).samples()[0]}, 32_000);
        return List.of(
                Arguments.of(TestAudio.write(dir, "resampled-downmixed.wav", stereo44), AudioFormat.MUSICGEN_MONO),
                Arguments.of(TestAudio.write(dir, "resampled-downmixed.flac", stereo44), AudioFormat.MUSICGEN_MONO),
                Arguments.of(TestAudio.write(dir, "resampled-downmixed.mp3", stereo44), AudioFormat.MUSICGEN_MONO),
                Arguments.of(TestAudio.write(dir, "resampled-stereo.flac", stereo44), new AudioFormat(32_000, 2)),
                Arguments.of(TestAudio.write(dir, "same-rate.wav", mono32), AudioFormat.MUSICGEN_MONO),
                Arguments.of(TestAudio.write(dir, "upmixed.mp3", mono32), new AudioFormat(48_000, 2)));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("files")
    void blocksJoinedEqualTheWholeDecodeBitForBit(Path file, AudioFormat format) {
        Audio whole = AudioDecoder.decode(file, format);
        assertTrue(whole.frames() > 60_000, "a file of some length: " + whole.frames());

        for (int block : BLOCKS) {
            Audio joined = readAll(file, format, block);
            assertEquals(whole.frames(), joined.frames(), file.getFileName() + " in blocks of " + block);
            for (int c = 0; c < whole.channels(); c++) {
                assertArrayEquals(whole.samples()[c], joined.samples()[c], file.getFileName() + " channel " + c + " in blocks of " + block);
            }
        }
    }

    @Test
    void aTruncatedFileStreamsWhatADecodeKeeps() throws IOException {
        Path whole = TestAudio.write(dir, "whole.mp3", AudioDecoderTest.chords(44_100, 6.0));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = TestAudio.writeBytes(dir.resolve("cut.mp3"), Arrays.copyOf(bytes, bytes.length * 2 / 5));

        Audio decoded = AudioDecoder.decode(cut, AudioFormat.MUSICGEN_MONO);

        assertArrayEquals(decoded.samples()[0], readAll(cut, AudioFormat.MUSICGEN_MONO, 5_000).samples()[0]);
    }

    @Test
    void theBufferStaysTheSizeOfABlockWhateverTheLength() {
        Path file = TestAudio.write(dir, "minute.flac", AudioDecoderTest.chords(44_100, 60.0));
        int block = 4_096;

        try (AudioStream stream = AudioDecoder.stream(file, AudioFormat.MUSICGEN_MONO)) {
            assertEquals(60.0, stream.declaredSeconds(), 1e-3);
            int largest = 0;
            for (Audio part = stream.next(block); part.frames() > 0; part = stream.next(block)) {
                assertTrue(part.frames() <= block);
                largest = Math.max(largest, stream.bufferCapacity());
            }
            assertEquals(1_920_000, stream.position(), "every frame of the minute came through");
            // A block plus one decoded frame's output (flac: 4608 samples at 44.1 kHz, 3344 at 32 kHz), doubled at most.
            assertTrue(largest <= 2 * (block + 3_400), "held at most " + largest + " frames of 1920000");
            assertEquals(0, stream.next(block).frames(), "the end stays the end");
        }
    }

    @Test
    void aFileThatCannotBeReadIsAnErrorNamingIt() throws IOException {
        Path text = TestAudio.writeBytes(dir.resolve("notes.wav"), "not audio\n".repeat(100).getBytes());

        AudioException e = assertThrows(AudioException.class, () -> AudioDecoder.stream(text, AudioFormat.MUSICGEN_MONO).close());

        assertTrue(e.getMessage().startsWith(text.toString()), e.getMessage());
        try (AudioStream stream = AudioDecoder.stream(TestAudio.write(dir, "short.wav", TestAudio.sine(440, 32_000, 0.5, 1)),
                AudioFormat.MUSICGEN_MONO)) {
            assertThrows(IllegalArgumentException.class, () -> stream.next(0));
        }
    }

    private static Audio readAll(Path file, AudioFormat format, int block) {
        List<Audio> parts = new ArrayList<>();
        long frames = 0;
        try (AudioStream stream = AudioDecoder.stream(file, format)) {
            for (Audio part = stream.next(block); part.frames() > 0; part = stream.next(block)) {
                assertTrue(part.frames() <= block, "a block of " + part.frames() + " frames for " + block + " asked");
                assertEquals(format.sampleRate(), part.sampleRate());
                parts.add(part);
                frames += part.frames();
            }
            assertEquals(frames, stream.position());
        }
        float[][] joined = new float[format.channels()][(int) frames];
        int at = 0;
        for (Audio part : parts) {
            for (int c = 0; c < format.channels(); c++) {
                System.arraycopy(part.samples()[c], 0, joined[c], at, part.frames());
            }
            at += part.frames();
        }
        return new Audio(joined, format.sampleRate());
    }
}
