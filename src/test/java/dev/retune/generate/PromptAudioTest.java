package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioEncoder;
import dev.retune.data.AudioException;
import dev.retune.data.AudioFormat;
import dev.retune.model.EncodecModel;
import dev.retune.model.MusicgenConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audio a generation continues, read a piece at a time and encoded by the streaming encoder: the codes equal
 * those of the whole file decoded and encoded at once, and only the frames asked for are kept.
 */
public class PromptAudioTest {

    private static final int RATE = 32_000;

    @TempDir
    static Path dir;

    private static EncodecModel codec;

    @BeforeAll
    static void tinyCodec() {
        torch.manual_seed(8);
        codec = EncodecModel.create(MusicgenConfig.preset("tiny").audioEncoder());
    }

    @ParameterizedTest
    @ValueSource(strings = {"flac", "mp3"})
    void piecesThroughTheStreamingEncoderGiveTheCodesOfTheWholeFile(String extension) {
        Path file = dir.resolve("prompt." + extension);
        AudioEncoder.encode(music(4.37), file);
        Tensor whole = wholeFileCodes(file); // [1, K, 219]

        // Pieces of 1.5 s (three of them, the last short), chunks of 7 frames: neither lines up with the other.
        Tensor all = PromptAudio.codes(codec, file, 10_000, 1.5, 7);
        Tensor last = PromptAudio.codes(codec, file, 50, 1.5, 7);

        assertEquals(219, whole.size(2));
        assertEquals(0, all.ne(whole).sum().item_long(), "codes that differ of " + whole.numel());
        assertEquals(50, last.size(2));
        assertTrue(torch.equal(whole.narrow(2, whole.size(2) - 50, 50), last), "the last 50 frames");
    }

    @Test
    void aFileWithoutAudioIsAnErrorNamingIt() throws Exception {
        Path empty = dir.resolve("empty.wav");
        Files.write(empty, emptyWav());

        AudioException error = assertThrows(AudioException.class, () -> PromptAudio.codes(codec, empty, 100));

        assertTrue(error.getMessage().contains("empty.wav") && error.getMessage().contains("holds no audio to continue"), error.getMessage());
    }

    /** The file decoded whole and encoded in one pass: [1, K, T]. */
    private static Tensor wholeFileCodes(Path file) {
        Audio audio = AudioDecoder.decode(file, AudioFormat.MUSICGEN_MONO);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return codec.encode(torch.tensor(audio.samples()[0]).reshape(1, 1, audio.frames()));
        }
    }

    /** Chords changing every half second, a glide and some noise, at 32 kHz mono. */
    private static Audio music(double seconds) {
        float[] samples = new float[(int) Math.round(seconds * RATE)];
        double[] roots = {220.0, 174.61, 261.63, 196.0};
        SplittableRandom noise = new SplittableRandom(3);
        for (int i = 0; i < samples.length; i++) {
            double t = (double) i / RATE;
            double root = roots[(int) (t * 2) % roots.length];
            samples[i] = (float) (0.2 * Math.sin(2 * Math.PI * root * t) + 0.15 * Math.sin(2 * Math.PI * root * 1.5 * t)
                    + 0.1 * Math.sin(2 * Math.PI * 300 * t * t) + 0.03 * (noise.nextDouble() - 0.5));
        }
        return new Audio(new float[][] {samples}, RATE);
    }

    /** A canonical 16-bit mono wav header with no samples. */
    public static byte[] emptyWav() {
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes()).putInt(36).put("WAVE".getBytes());
        header.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(RATE).putInt(RATE * 2)
                .putShort((short) 2).putShort((short) 16);
        header.put("data".getBytes()).putInt(0);
        return header.array();
    }
}
