package dev.retune.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioException;
import dev.retune.data.TestAudio;
import dev.retune.model.EncodecModel;
import dev.retune.model.MusicgenConfig;
import dev.retune.train.CodecTokens;
import dev.retune.train.StopRequestedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file's streamed embeddings equal the whole-file {@link EncodecModel#embed} of the same decoded audio (as the
 * training data path decodes it: resampled and mixed down), frame for frame, with T = ceil(samples / hop) frames of D
 * values. On the tiny preset's codec (random weights, D = 16, 50 frames/s), CPU.
 */
class CodecEmbeddingsTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;

    private static EncodecModel codec;

    @BeforeAll
    static void tinyCodec() {
        torch.manual_seed(3);
        codec = EncodecModel.create(MusicgenConfig.preset("tiny", 120).audioEncoder());
        codec.train(false);
    }

    @Test
    void streamedEmbeddingsOfAResampledStereoFileEqualTheWholeFileEmbedding() {
        Path file = TestAudio.write(dir, "song.flac", TestAudio.music(44_100, 4.3, 1));
        CodecEmbeddings embeddings = new CodecEmbeddings(codec, 37); // chunks that do not divide the file

        EmbeddingSet.Clip clip = embeddings.embed(file);

        Audio decoded = AudioDecoder.decode(file, embeddings.format()); // 32 kHz mono, the mean of the channels
        float[] whole = wholeFileEmbeddings(decoded); // [T, D]
        int hop = codec.config().hopLength();
        assertEquals(16, clip.dimension());
        assertEquals((decoded.frames() + hop - 1) / hop, clip.frames());
        assertEquals(215, clip.frames()); // 4.3 s at 50 frames/s
        assertEquals(whole.length, clip.values().length);
        double worst = 0;
        for (int i = 0; i < whole.length; i++) {
            worst = Math.max(worst, Math.abs(whole[i] - clip.values()[i]));
        }
        assertTrue(worst < TOLERANCE, "largest difference " + worst);
        assertEquals(file.toString(), clip.name());
    }

    @Test
    void aSetKeepsItsClipsInOrderAndReportsProgressInClips() {
        Path first = TestAudio.write(dir, "first.wav", TestAudio.music(32_000, 1.0, 2));
        Path second = TestAudio.write(dir, "second.mp3", TestAudio.music(48_000, 2.5, 3));
        List<Double> progress = new ArrayList<>();

        EmbeddingSet set = new CodecEmbeddings(codec).embed(List.of(first, second), (done, total) -> {
            assertEquals(2.0, total);
            progress.add(done);
        }, new AtomicBoolean());

        assertEquals(List.of(50, 125), set.clips().stream().map(EmbeddingSet.Clip::frames).toList());
        assertEquals(175, set.frames());
        assertEquals(16, set.dimension());
        assertEquals(0.0, progress.get(0));
        assertEquals(2.0, progress.get(progress.size() - 1));
        assertTrue(progress.contains(1.0), progress.toString());
    }

    @Test
    void provenanceNamesTheCodecByTheTokenCachesIdentityAndTheDataPathsFormat() {
        CodecEmbeddings.Provenance provenance = new CodecEmbeddings(codec).provenance();
        assertEquals(CodecTokens.identity(codec), provenance.codecSha256());
        assertEquals(64, provenance.codecSha256().length());
        assertEquals(32_000, provenance.sampleRate());
        assertEquals(1, provenance.channels());
        assertEquals(50, provenance.frameRate());
        assertEquals(16, provenance.dimension());
        assertEquals("none", provenance.loudnessNormalisation());
        assertTrue(provenance.resampler().startsWith("libswresample"), provenance.resampler());
    }

    @Test
    void anUndecodableFileOrAStopEndsTheSet() throws IOException {
        Path good = TestAudio.write(dir, "good.wav", TestAudio.music(32_000, 3.0, 4));
        Path bad = Files.writeString(dir.resolve("bad.wav"), "not audio\n".repeat(50));
        CodecEmbeddings embeddings = new CodecEmbeddings(codec, 20);

        AudioException undecodable = assertThrows(AudioException.class,
                () -> embeddings.embed(List.of(good, bad), (done, total) -> { }, new AtomicBoolean()));
        assertEquals(bad, undecodable.file());

        AtomicBoolean stop = new AtomicBoolean(true);
        StopRequestedException stopped = assertThrows(StopRequestedException.class,
                () -> embeddings.embed(List.of(good), (done, total) -> { }, stop));
        assertTrue(stopped.getMessage().contains("good.wav"), stopped.getMessage());
    }

    @Test
    void theSameFileTwiceGivesTheSameEmbeddings() {
        Path file = TestAudio.write(dir, "twice.flac", TestAudio.music(22_050, 2.0, 5));
        CodecEmbeddings embeddings = new CodecEmbeddings(codec, 29);
        assertArrayEquals(embeddings.embed(file).values(), new CodecEmbeddings(codec, 100).embed(file).values(), 1e-4f);
    }

    private static float[] wholeFileEmbeddings(Audio audio) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor embedded = codec.embed(codec.waveform(audio.samples())).select(0, 0).t().contiguous(); // [T, D]
            float[] values = new float[(int) embedded.numel()];
            embedded.data_ptr_float().get(values);
            return values;
        }
    }

}
