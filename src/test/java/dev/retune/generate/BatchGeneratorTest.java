package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TextTokenizer;
import dev.retune.model.TinyTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** A prompt list through the tiny model: read batch by batch, with nothing kept from one batch to the next. */
class BatchGeneratorTest {

    private static final int FRAMES = 3;
    private static final AtomicBoolean NO_STOP = new AtomicBoolean();
    private static final Sidecar.Settings SIDECAR = new Sidecar.Settings("tiny", null, 7, 1, 0.06, FRAMES, 250, 0, 1, 3, null);

    @TempDir
    static Path dir;

    private static ModelSource source;
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void tinyModel() {
        torch.manual_seed(21);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        model.train(false);
        AudioOutputTest.quietened(model.audio_encoder);
        TinyTokenizer.write(dir.resolve("tokenizer.json"));
        tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"));
        source = new ModelSource(model, dir.resolve("tokenizer.json"), "tiny", null, dir, null);
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    @Test
    void readsOneBatchOfPromptsAtATimeAfterThePreviousBatchIsWritten() {
        List<Long> aheadOfWritten = new ArrayList<>();
        long[] written = {0};
        Iterator<String> prompts = new Iterator<>() {
            private long read;

            @Override
            public boolean hasNext() {
                return read < 7;
            }

            @Override
            public String next() {
                read++;
                aheadOfWritten.add(read - written[0]);
                return "prompt number " + read;
            }
        };

        Generation.Summary result = generator(3).run(prompts, i -> dir.resolve("ahead-" + i + ".wav"), NO_STOP, audio -> written[0]++);

        assertEquals(7, result.prompts());
        assertEquals(List.of(1L, 2L, 3L, 1L, 2L, 3L, 1L), aheadOfWritten, "prompts read ahead of the files written, at each read");
        for (int i = 0; i < 7; i++) {
            assertTrue(Files.isRegularFile(dir.resolve("ahead-" + i + ".wav.json")), "output " + i);
        }
    }

    @Test
    void nativeTensorsOfABatchAreFreedBeforeTheNextBatch() {
        int batches = 5;
        List<Long> liveAtBatchStart = new ArrayList<>();
        Iterator<String> prompts = Stream.generate(() -> "a calm piano").limit(2L * batches).iterator();

        generator(2).run(prompts, i -> dir.resolve("flat-" + i + ".wav"), NO_STOP, audio -> {
            if (audio.index() % 2 == 0) {
                liveAtBatchStart.add(Pointer.totalCount());
            }
        });

        assertEquals(batches, liveAtBatchStart.size());
        // The first batch makes what every later one reuses; after it, the count of live native objects must not grow
        // (the garbage collector can only lower it). Without a scope per batch it grew: [395, 394, 394, 394, 404].
        for (int b = 2; b < batches; b++) {
            assertTrue(liveAtBatchStart.get(b) <= liveAtBatchStart.get(1),
                    "live JavaCPP objects when each batch's first file is written: " + liveAtBatchStart);
        }
    }

    @Test
    void theSamePromptInAnotherBatchGivesOtherAudioAndTheFirstBatchKeepsThePlainSeed() throws Exception {
        generator(1).run(List.of("a calm piano", "a calm piano").iterator(), i -> dir.resolve("seed-" + i + ".wav"), NO_STOP, audio -> { });

        TextTokenizer.Batch text = tokenizer.encode(List.of("a calm piano"), 256);
        Tensor plain = PromptedGenerationTest.generateAll(source.model(), text.idsTensor(), text.maskTensor(), null, FRAMES, 7);

        assertFalse(Arrays.equals(Files.readAllBytes(dir.resolve("seed-0.wav")), Files.readAllBytes(dir.resolve("seed-1.wav"))),
                "batch 1 draws with another seed than batch 0");
        AudioOutputTest.assertFileHolds(dir.resolve("seed-0.wav"),
                AudioOutputTest.samples(AudioOutputTest.wholeDecode(source.model().audio_encoder, plain), 0));
    }

    @Test
    void aDurationBeyondTheContextGoesToTheFilesWindowByWindowAsTheWholeDecodeWould() throws Exception {
        int frames = Generator.window(source.model().config().decoder()) + 20; // two windows
        List<String> prompts = List.of("a calm piano", "punchy drums");
        List<Double> seconds = new ArrayList<>();
        new BatchGenerator(source, tokenizer, new BatchGenerator.Settings(frames, Sampling.DEFAULTS, 7, 2), null, SIDECAR)
                .run(prompts.iterator(), i -> dir.resolve("long-" + i + ".flac"), NO_STOP, audio -> seconds.add(audio.seconds()));

        TextTokenizer.Batch text = tokenizer.encode(prompts, 256);
        Tensor whole = AudioOutputTest.wholeDecode(source.model().audio_encoder,
                PromptedGenerationTest.generateAll(source.model(), text.idsTensor(), text.maskTensor(), null, frames, 7));
        for (int i = 0; i < 2; i++) {
            AudioOutputTest.assertFileHolds(dir.resolve("long-" + i + ".flac"), AudioOutputTest.samples(whole, i));
            assertEquals(frames / 50.0, seconds.get(i), 1e-9);
            assertEquals(frames / 50.0, JsonMapper.shared().readTree(Files.readString(dir.resolve("long-" + i + ".flac.json"))).get("seconds").asDouble(), 1e-9);
        }
    }

    private static BatchGenerator generator(int batchSize) {
        return new BatchGenerator(source, tokenizer, new BatchGenerator.Settings(FRAMES, Sampling.DEFAULTS, 7, batchSize), null, SIDECAR);
    }
}
