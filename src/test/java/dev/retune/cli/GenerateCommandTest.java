package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import dev.retune.adapt.Lora;
import dev.retune.adapt.PeftAdapter;
import dev.retune.config.LoraSection;
import dev.retune.data.Audio;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `retune generate` end to end on the tiny model: files, sidecars, seeds, adapters, bad input. */
class GenerateCommandTest {

    private static final String PROMPT = "warm analog pad in a minor, slow attack";

    @TempDir
    static Path dir;

    private static Path model;

    @BeforeAll
    static void createModel() {
        model = dir.resolve("tiny");
        torch.manual_seed(4);
        MusicgenForConditionalGeneration tiny = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        TinyTokenizer.write(dir.resolve("tokenizer.json"));
        ModelFolder.save(tiny, model, ScalarType.Float, dir.resolve("tokenizer.json"));
    }

    @Test
    void writesAudioOfTheRequestedLengthWithASidecar() throws Exception {
        Path out = dir.resolve("a.wav");

        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", PROMPT, "--duration", "2", "--out", out.toString());

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        Audio audio = AudioDecoder.decode(out, AudioFormat.MUSICGEN_MONO);
        assertEquals(2.0, audio.seconds(), 0.02, "within one frame of the request");
        JsonNode sidecar = JsonMapper.shared().readTree(Files.readString(dir.resolve("a.wav.json")));
        assertEquals(PROMPT, sidecar.get("prompt").asString());
        assertEquals(dev.retune.data.FileHash.sha256(out), sidecar.get("sha256").asString());
    }

    @Test
    void sameSeedSameAudioOtherSeedOtherAudio() throws Exception {
        byte[] first = generate("s1.wav", "--seed", "7");
        byte[] again = generate("s2.wav", "--seed", "7");
        byte[] other = generate("s3.wav", "--seed", "8");

        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
    }

    @Test
    void anAdapterChangesTheOutput() throws Exception {
        MusicgenForConditionalGeneration base = ModelFolder.load(model, ScalarType.Float, new Device("cpu")).model();
        Lora lora = Lora.apply(base, new LoraSection(4, 8.0, 0.0, "self_attn\\.(q|v)_proj|lm_heads", null, false, LoraSection.KAIMING));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            torch.manual_seed(9);
            for (var layer : lora.layers()) {
                layer.b().copy_(torch.randn(layer.b().size(0), layer.b().size(1)).mul(new Scalar(0.5)));
            }
        }
        Path adapter = dir.resolve("adapter");
        PeftAdapter.write(adapter, lora, model.toString());

        byte[] plain = generate("p.wav", "--temperature", "0");
        byte[] adapted = generate("q.wav", "--temperature", "0", "--adapter", adapter.toString());

        assertFalse(Arrays.equals(plain, adapted));
    }

    @Test
    void continuesAnAudioFileAndGoesPastTheContextInWindows() throws Exception {
        Path prompt = dir.resolve("a-prompt.wav");
        dev.retune.data.AudioEncoder.encode(new Audio(new float[][] {new float[32_000]}, 32_000), prompt);
        Path continued = dir.resolve("continued.wav");
        Path longer = dir.resolve("longer.wav");

        CliRun a = CliRun.of("generate", "--model", model.toString(), "--prompt", PROMPT, "--continue", prompt.toString(),
                "--duration", "1.5", "--out", continued.toString());
        CliRun b = CliRun.of("generate", "--model", model.toString(), "--prompt", PROMPT, "--duration", "12",
                "--out", longer.toString());

        assertEquals(ExitCode.OK, a.exitCode(), a.err());
        assertEquals(2.5, AudioDecoder.decode(continued, AudioFormat.MUSICGEN_MONO).seconds(), 0.02, "1 s prompt + 1.5 s");
        assertEquals(ExitCode.OK, b.exitCode(), b.err());
        assertEquals(12.0, AudioDecoder.decode(longer, AudioFormat.MUSICGEN_MONO).seconds(), 0.02, "beyond the tiny model's ~10 s context");
    }

    @Test
    void aPromptLongerThanTheContextIsContinuedFromItsLastFortyPercentOfAWindow() throws Exception {
        Path prompt = dir.resolve("long-prompt.flac");
        float[] samples = new float[15 * 32_000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * i / 32_000.0));
        }
        dev.retune.data.AudioEncoder.encode(new Audio(new float[][] {samples}, 32_000), prompt);
        Path continued = dir.resolve("long-continued.wav");

        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", PROMPT, "--continue", prompt.toString(),
                "--duration", "1", "--out", continued.toString());

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        // tiny's window is 512 - 4 = 508 frames; a 750-frame prompt is cut to its last 203 frames (4.06 s).
        assertEquals(4.06 + 1, AudioDecoder.decode(continued, AudioFormat.MUSICGEN_MONO).seconds(), 1e-9);
    }

    @Test
    void continuingAFileWithoutAudioIsAnErrorNamingIt() throws Exception {
        Path empty = Files.write(dir.resolve("silent-nothing.wav"), dev.retune.generate.PromptAudioTest.emptyWav());

        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", PROMPT, "--continue", empty.toString(),
                "--duration", "1", "--out", dir.resolve("nothing.wav").toString());

        assertEquals(ExitCode.BAD_INPUT, run.exitCode(), run.err());
        assertTrue(run.err().contains("silent-nothing.wav") && run.err().contains("holds no audio to continue"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
        assertFalse(Files.exists(dir.resolve("nothing.wav")));
    }

    @Test
    void promptsFromACsvFileGoToNumberedFiles() throws Exception {
        Path csv = Files.writeString(dir.resolve("prompts.csv"), "id,prompt\n1,\"warm pad, slow\"\n2,punchy drums\n");
        Path outDir = dir.resolve("batch");

        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompts", csv.toString(), "--duration", "1",
                "--out-dir", outDir.toString(), "--format", "flac");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        assertEquals("warm pad, slow", JsonMapper.shared().readTree(Files.readString(outDir.resolve("gen-000.flac.json"))).get("prompt").asString());
        assertEquals("punchy drums", JsonMapper.shared().readTree(Files.readString(outDir.resolve("gen-001.flac.json"))).get("prompt").asString());
    }

    @Test
    void aPromptsFileGoesBatchByBatchToNumberedFilesAndARerunReplacesThem() throws Exception {
        Path prompts = Files.writeString(dir.resolve("five.txt"), "one\ntwo\n\nthree\r\nfour\nfive\n");
        Path outDir = dir.resolve("five");

        CliRun first = CliRun.of("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--batch-size", "2",
                "--duration", "0.2", "--out-dir", outDir.toString(), "--seed", "1");
        CliRun again = CliRun.of("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--batch-size", "2",
                "--duration", "0.2", "--out-dir", outDir.toString(), "--seed", "2");

        assertEquals(ExitCode.OK, first.exitCode(), first.err());
        assertEquals(ExitCode.OK, again.exitCode(), again.err());
        List<String> texts = List.of("one", "two", "three", "four", "five");
        for (int i = 0; i < texts.size(); i++) {
            JsonNode sidecar = JsonMapper.shared().readTree(Files.readString(outDir.resolve(String.format("gen-%03d.wav.json", i))));
            assertEquals(texts.get(i), sidecar.get("prompt").asString());
            assertEquals(2, sidecar.get("batch_size").asInt());
            assertEquals(2, sidecar.get("seed").asLong(), "the rerun replaced the file");
            assertEquals(dev.retune.data.FileHash.sha256(outDir.resolve(String.format("gen-%03d.wav", i))), sidecar.get("sha256").asString());
        }
        try (var files = Files.list(outDir)) {
            assertEquals(10, files.count(), "five files and five sidecars, no temporary files left");
        }
        assertEquals(6, again.out().lines().count(), "one line per file and a summary:\n" + again.out());
    }

    @Test
    void badInputIsAnErrorNamingIt() {
        CliRun noPrompt = CliRun.of("generate", "--model", model.toString(), "--out", dir.resolve("x.wav").toString());
        CliRun negative = CliRun.of("generate", "--model", model.toString(), "--prompt", "x", "--duration", "-1", "--out", dir.resolve("x.wav").toString());
        CliRun noCheckpoint = CliRun.of("generate", "--run", dir.toString(), "--prompt", "x", "--out", dir.resolve("x.wav").toString());

        assertEquals(ExitCode.USAGE, noPrompt.exitCode());
        assertTrue(noPrompt.err().contains("--prompt"), noPrompt.err());
        assertEquals(ExitCode.USAGE, negative.exitCode());
        assertTrue(negative.err().contains("--duration"), negative.err());
        assertEquals(ExitCode.BAD_INPUT, noCheckpoint.exitCode());
        assertTrue(noCheckpoint.err().contains("config.yaml"), noCheckpoint.err());
    }

    @Test
    void forcingTheSamplingKernelOnTheCpuIsAClearErrorAndOffEqualsAuto() throws Exception {
        CliRun forced = CliRun.of("generate", "--model", model.toString(), "--prompt", "x", "--duration", "1", "--device", "cpu",
                "--sampling-kernel", "on", "--out", dir.resolve("forced.wav").toString());

        assertEquals(ExitCode.BAD_INPUT, forced.exitCode(), forced.err());
        assertTrue(forced.err().contains("--sampling-kernel is on, but this runs on the CPU"), forced.err());
        // On the CPU auto and off both run the libtorch reference: the same seed gives the same audio.
        assertArrayEquals(generate("auto.wav", "--sampling-kernel", "auto"), generate("off.wav", "--sampling-kernel", "off"));
    }

    private static byte[] generate(String name, String... extra) throws Exception {
        Path out = dir.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", PROMPT,
                "--duration", "1", "--out", out.toString()));
        args.addAll(List.of(extra));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        return Files.readAllBytes(out);
    }
}
