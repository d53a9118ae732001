package dev.retune.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ProgressListener;
import dev.retune.config.DeviceConfig;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.data.FileHash;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Generation as a library call, without the command line: a request on the tiny model folder → files and sidecars. */
class GenerationTest {

    @TempDir
    static Path dir;

    private static ModelLocation tiny;

    @BeforeAll
    static void tinyModelFolder() {
        torch.manual_seed(4);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        TinyTokenizer.write(dir.resolve("tokenizer.json"));
        ModelFolder.save(model, dir.resolve("tiny"), ScalarType.Float, dir.resolve("tokenizer.json"));
        tiny = ModelLocation.folder(dir.resolve("tiny"), List.of());
    }

    @Test
    void givenPromptsThenAFilesPromptsGoBatchByBatchToFilesOfTheRequestedFramesWithTheirSidecars() throws Exception {
        Path promptFile = Files.writeString(dir.resolve("more.txt"), "punchy drums\n\nlo-fi beat\n");
        // 0.47 s at the tiny codec's 50 frames/s is 23.5 frames: rounded to 24, i.e. 0.48 s = 15 360 samples at 32 kHz.
        GenerationRequest request = request(List.of("warm analog pad"), promptFile, 5, 0.47, 2,
                GenerationRequest.Output.folder(dir.resolve("three"), "flac"));
        List<GeneratedAudio> results = new ArrayList<>();
        List<String> progress = new ArrayList<>();

        Generation.Summary summary = Generation.run(request, results::add, (done, total) -> progress.add(done + "/" + total), new AtomicBoolean());

        assertEquals(3, summary.prompts());
        assertEquals(24, summary.frames());
        assertEquals(List.of("0.0/3.0", "1.0/3.0", "2.0/3.0", "3.0/3.0"), progress);
        assertEquals(List.of("warm analog pad", "punchy drums", "lo-fi beat"), results.stream().map(GeneratedAudio::prompt).toList());
        for (int i = 0; i < 3; i++) {
            GeneratedAudio result = results.get(i);
            assertEquals(i, result.index());
            assertEquals(dir.resolve("three").resolve("gen-00" + i + ".flac"), result.file());
            assertEquals(15_360, AudioDecoder.decode(result.file(), AudioFormat.MUSICGEN_MONO).frames());
            Sidecar sidecar = result.sidecar();
            assertEquals(0.48, sidecar.seconds(), 1e-12);
            assertEquals(32_000, sidecar.sampleRate());
            assertEquals(FileHash.sha256(result.file()), sidecar.sha256());
            assertEquals(new Sidecar.Settings("model " + dir.resolve("tiny"), null, 5, 2, 0.47, 24, 250, 0, 1, 3, null), sidecar.settings());
            JsonNode json = JsonMapper.shared().readTree(Files.readString(dir.resolve("three").resolve("gen-00" + i + ".flac.json")));
            assertEquals(List.copyOf(sidecar.fields().keySet()), List.copyOf(json.propertyNames()), "the file holds the record's fields, in order");
            assertEquals(result.prompt(), json.get("prompt").asString());
            assertEquals(24, json.get("frames").asInt());
            assertEquals(sidecar.sha256(), json.get("sha256").asString());
        }
    }

    @Test
    void theSameSeedGivesTheSameAudioBitForBitAndAnotherSeedOtherAudio() throws Exception {
        byte[] first = generateOne("seed-a.wav", 7);
        byte[] again = generateOne("seed-b.wav", 7);
        byte[] other = generateOne("seed-c.wav", 8);

        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
    }

    @Test
    void aStopRequestLetsNoFurtherBatchStart() {
        AtomicBoolean stop = new AtomicBoolean();
        List<GeneratedAudio> results = new ArrayList<>();
        GenerationRequest request = request(List.of("one", "two", "three"), null, 1, 0.1, 1,
                GenerationRequest.Output.folder(dir.resolve("stopped"), null));

        Generation.Summary summary = Generation.run(request, result -> {
            results.add(result);
            stop.set(true);
        }, ProgressListener.NONE, stop);

        assertEquals(1, summary.prompts());
        assertEquals(1, results.size());
        assertTrue(Files.isRegularFile(dir.resolve("stopped/gen-000.wav.json")));
        assertFalse(Files.exists(dir.resolve("stopped/gen-001.wav")));
    }

    @Test
    void aStopRequestEndsABatchMidwayAndLeavesNoFileOfIt() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        GenerationRequest request = request(List.of("a long one"), null, 1, 60, 1, GenerationRequest.Output.folder(dir.resolve("midway"), null));
        // 60 s is 3000 decoding steps of the tiny model: the stop comes while they run, set once the model is loaded.
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop.set(true);
        });
        List<GeneratedAudio> results = new ArrayList<>();

        Generation.Summary summary = Generation.run(request, results::add, (done, total) -> {
            if (done == 0 && !stopper.isAlive()) {
                stopper.start();
            }
        }, stop);
        stopper.join();

        assertEquals(0, summary.prompts());
        assertTrue(results.isEmpty());
        try (var files = Files.list(dir.resolve("midway"))) {
            assertEquals(List.of(), files.toList(), "the abandoned batch's unfinished files are removed");
        }
    }

    @Test
    void anInvalidRequestNamesTheOptionAndNothingIsWritten() {
        GenerationRequest.Output out = GenerationRequest.Output.file(dir.resolve("invalid.wav"));

        InvalidRequestException tooLong = assertThrows(InvalidRequestException.class, () -> request(List.of("x"), null, 0, 601, 1, out));
        InvalidRequestException underAFrame = assertThrows(InvalidRequestException.class,
                () -> Generation.run(request(List.of("x"), null, 0, 0.001, 1, out), result -> { }, ProgressListener.NONE, new AtomicBoolean()));
        InvalidRequestException twoIntoOneFile = assertThrows(InvalidRequestException.class,
                () -> Generation.run(request(List.of("x", "y"), null, 0, 1, 1, out), result -> { }, ProgressListener.NONE, new AtomicBoolean()));
        InvalidRequestException format = assertThrows(InvalidRequestException.class, () -> GenerationRequest.Output.folder(dir, "xyz"));
        InvalidRequestException adapters = assertThrows(InvalidRequestException.class,
                () -> new ModelLocation(null, List.of(dir), dir, null));

        assertEquals("--duration must be more than 0 and at most 600 seconds, found 601.0", tooLong.getMessage());
        assertEquals("--duration 0.001 is shorter than one codec frame (0.0200 s for this model)", underAFrame.getMessage());
        assertEquals("--out takes a single prompt; use --out-dir for 2", twoIntoOneFile.getMessage());
        assertTrue(format.getMessage().startsWith("--format xyz: unsupported audio format"), format.getMessage());
        assertTrue(adapters.getMessage().startsWith("--adapter applies to --model"), adapters.getMessage());
        assertFalse(Files.exists(dir.resolve("invalid.wav")));
        assertNull(ModelLocation.folder(dir, null).checkpoint(), "a model folder has no checkpoint");
        assertEquals(CheckpointChoice.DEFAULT, ModelLocation.run(dir, null).checkpoint(), "a run's is the best else the latest");
    }

    private static byte[] generateOne(String name, long seed) throws Exception {
        Path file = dir.resolve(name);
        List<GeneratedAudio> results = new ArrayList<>();
        Generation.run(request(List.of("warm analog pad"), null, seed, 0.3, 1, GenerationRequest.Output.file(file)), results::add,
                ProgressListener.NONE, new AtomicBoolean());
        assertEquals(List.of(file), results.stream().map(GeneratedAudio::file).toList());
        return Files.readAllBytes(file);
    }

    private static GenerationRequest request(List<String> prompts, Path promptFile, long seed, double duration, int batchSize,
            GenerationRequest.Output output) {
        return new GenerationRequest(tiny, DeviceConfig.Kind.CPU, prompts, promptFile, Sampling.DEFAULTS, seed, duration, null,
                batchSize, output);
    }
}
