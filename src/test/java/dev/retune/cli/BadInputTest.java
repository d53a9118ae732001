package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.TestAudio;
import dev.retune.data.TestFiles;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.Safetensors;
import dev.retune.model.SafetensorsWriter;
import dev.retune.model.TinyTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Bad input through the CLI, one row per case: each ends with its exit code (2 usage, 3 bad input, 5 a verify that
 * checked nothing) and a message naming the option, key or file, never with a stack trace or a silent acceptance.
 *
 * <p>Arguments may name {@code {tiny}} (a tiny model folder shared by all rows), {@code {config}} (a tiny-preset
 * config over a six-track demo subset, shared) and {@code {case}} (an empty folder of the row's own, which its setup
 * may fill first).
 */
class BadInputTest {

    /** Files a row needs, written into its own folder before the command runs. */
    @FunctionalInterface
    interface Setup {
        void prepare(Path caseDir) throws IOException;
    }

    record Case(String name, int exit, String message, Setup setup, List<String> args) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case row(String name, int exit, String message, String... args) {
        return new Case(name, exit, message, caseDir -> {}, List.of(args));
    }

    static Case row(String name, int exit, String message, Setup setup, String... args) {
        return new Case(name, exit, message, setup, List.of(args));
    }

    private static Path shared;
    private static Path tiny;
    private static Path config;

    @BeforeAll
    static void sharedFiles() throws IOException {
        shared = Files.createTempDirectory("retune-bad-input");
        tiny = shared.resolve("tiny");
        torch.manual_seed(4);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize()));
        TinyTokenizer.write(shared.resolve("tokenizer.json"));
        ModelFolder.save(model, tiny, ScalarType.Float, shared.resolve("tokenizer.json"));
        config = TrainCommandTest.tinyConfig(shared);
    }

    static Stream<Case> cases() {
        return Stream.of(commandLine(), generate(), configs(), modelFiles(), datasets(), evaluate(), studio(), memory(), composition(), gpuCheck())
                .flatMap(List::stream);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersWithItsExitCodeAndAMessageNamingTheCulprit(Case c) throws IOException {
        Path caseDir = Files.createTempDirectory(shared, "case");
        c.setup().prepare(caseDir);
        String[] args = c.args().stream().map(a -> a.replace("{tiny}", tiny.toString()).replace("{config}", config.toString())
                .replace("{case}", caseDir.toString())).toArray(String[]::new);

        CliRun run = CliRun.of(args);

        String shown = "retune " + String.join(" ", Arrays.asList(args)) + "\nstdout: " + run.out() + "\nstderr: " + run.err();
        assertEquals(c.exit(), run.exitCode(), shown);
        assertTrue(run.err().contains(c.message()), "expected the message to contain '" + c.message() + "'\n" + shown);
        assertFalse(run.err().contains("\tat "), "no stack trace\n" + shown);
    }

    // ---- the command line itself: verbs, usage errors -------------------------------------------------------------

    static List<Case> commandLine() {
        return List.of(
                row("no verb", 2, "a verb is needed"),
                row("a mistyped verb", 2, "Did you mean: plan or train or experiment?", "trian"),
                row("an unknown option points to the verb's help", 2, "Run 'retune train --help' for usage.", "train", "{config}", "--nope"),
                row("a missing config argument", 2, "Missing required parameter: 'CONFIG'", "train"),
                row("--nproc 0", 2, "--nproc must be at least 1, found 0", "train", "{config}", "--nproc", "0"),
                row("--resume without a checkpoint", 2, "has no checkpoint to resume from", "train", "{config}", "--resume", "--out", "{case}/run"),
                row("a segment longer than the model's positions", 3, "data.segment_seconds 600.0 needs 30003 decoder positions",
                        "train", "{config}", "--set", "data.segment_seconds=600", "--out", "{case}/run"),
                row("a segment longer than the positions names the model's key", 3, "decoder.max_position_embeddings",
                        "plan", "{config}", "--set", "data.segment_seconds=600"),
                row("a segment shorter than one codec frame", 3, "data.segment_seconds 0.001 is shorter than one codec frame",
                        "train", "{config}", "--set", "data.segment_seconds=0.001", "--out", "{case}/run"),
                row("a run whose checkpoints are all damaged", 3, "is damaged, so it cannot resume",
                        caseDir -> Files.createDirectories(caseDir.resolve("run/checkpoints")).resolve("latest").toFile().createNewFile(),
                        "train", "{config}", "--out", "{case}/run"),
                row("a config whose model folder is missing", 3, "holds no model (config.json missing)",
                        "train", "{config}", "--set", "model.path={case}/none", "--set", "model.preset=null", "--out", "{case}/run"),
                row("bench train with an unknown precision", 2, "--precision must be fp32, bf16 or fp16, found fp8",
                        "bench", "train", "--precision", "fp8", "--steps", "1"),
                row("bench generate with a guidance scale of 0", 2, "--cfg (guidance scale) must be a finite number > 0",
                        "bench", "generate", "--cfg", "0", "--seconds", "0.1")
        );
    }

    // ---- memory planning: --fit, device.memory_fraction -----------------------------------------------------------

    static List<Case> memory() {
        return List.of(
                row("plan --fit without a unit", 2, "--fit takes a memory size with its unit", "plan", "{config}", "--fit", "12"),
                row("train --fit with a unit it does not know", 2, "--fit takes a memory size with its unit, such as 12GB",
                        "train", "{config}", "--fit", "12 parsecs", "--out", "{case}/run"),
                row("plan --fit below every option", 3, "--fit: nothing fits in 1 MB on cpu: the smallest estimate", "plan", "{config}", "--fit", "1MB"),
                row("plan --out without --fit", 2, "--out writes the config --fit chooses: give --fit too", "plan", "{config}", "--out", "{case}/fit.yaml"),
                row("a memory fraction above 1", 3, "device.memory_fraction must be in (0, 1], found 1.5",
                        "plan", "{config}", "--set", "device.memory_fraction=1.5"),
                row("bench memory of a single step", 2, "--steps at least 2, found 64, 1 and 1", "bench", "memory", "--steps", "1"));
    }

    // ---- composition at generation: --adapter DIR:WEIGHT, --blend, --mix --------------------------------------------

    static List<Case> composition() {
        return List.of(
                row("--adapter weight negative", 2, ":-1: the weight must be a finite number ≥ 0, found -1.0", gen("--adapter", "{case}/a:-1")),
                row("--adapter weight NaN", 2, ":NaN: the weight is not a number (NaN)", gen("--adapter", "{case}/a:NaN")),
                row("--adapter weight not a number", 2, ":half: 'half' after the last ':' is not a weight", gen("--adapter", "{case}:half")),
                row("--blend without a weight", 2, "--blend {tiny}: expected SOURCE:WEIGHT, found no ':'".replace("{tiny}", tiny.toString()),
                        gen("--blend", "{tiny}")),
                row("--blend weight above 1", 2, ":1.5: the weight must lie in [0, 1], found 1.5", gen("--blend", "{tiny}:1.5")),
                row("--blend weights summing past 1", 2, "--blend weights sum to 1.2", gen("--blend", "{tiny}:0.6", "--blend", "{tiny}:0.6")),
                row("--blend of another codec", 2, "cannot blend: its codec's weights differ from the main source's",
                        caseDir -> saveTiny(caseDir.resolve("other"), 5, shared.resolve("tokenizer.json")), gen("--blend", "{case}/other:0.5")),
                row("--blend with another text tokenizer file", 2, "cannot blend: its text tokenizer", caseDir -> {
                    Path other = caseDir.resolve("other");
                    saveTiny(other, 4, shared.resolve("tokenizer.json"));
                    Files.writeString(other.resolve(ModelFolder.TOKENIZER), " \n", StandardOpenOption.APPEND); // same tokens, other bytes
                }, gen("--blend", "{case}/other:0.5")),
                row("--mix factor NaN", 2, "--mix {tiny}:nan: the weight is not a number (NaN)".replace("{tiny}", tiny.toString()), gen("--mix", "{tiny}:nan")),
                row("--mix with --blend", 2, "--mix and --blend cannot be combined", gen("--mix", "{tiny}:0.5", "--blend", "{tiny}:0.5")));
    }

    /** The shared tiny model's architecture from {@code seed}, saved to {@code dir} with {@code tokenizer}. */
    private static void saveTiny(Path dir, long seed, Path tokenizer) {
        torch.manual_seed(seed);
        ModelFolder.save(new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny", TinyTokenizer.vocabularySize())), dir,
                ScalarType.Float, tokenizer);
    }

    // ---- the prepared GPU check: bench train --device / --precision fp16, bench gpu ----------------------------------

    static List<Case> gpuCheck() {
        return List.of(
                row("bench train on a TPU", 2, "Invalid value for option '--device'", "bench", "train", "--device", "tpu"),
                row("bench train in fp16 on the CPU", 2, "--precision fp16 needs a CUDA device", "bench", "train", "--precision", "fp16", "--device", "cpu"),
                row("bench gpu with a zero peak", 2, "--peak-tflops must be above 0, found 0.0", "bench", "gpu", "--dry-run", "--peak-tflops", "0"));
    }

    // ---- retune evaluate ------------------------------------------------------------------------------------------

    static List<Case> studio() {
        return List.of(
                row("studio on a port beyond 65535", 2, "--port must be 0 to 65535, found 70000", "studio", "--port", "70000"),
                row("studio with a negative queue", 2, "--queue must be 0 or more, found -1", "studio", "--queue", "-1"),
                row("studio with a blank token", 2, "--token is blank", "studio", "--token", " "),
                row("studio over a root that is no folder", 3, "--root", dir -> Files.writeString(dir.resolve("file"), "x"),
                        "studio", "--root", "{case}/file"),
                row("studio on a host that does not resolve", 2, "--host no-such-host.invalid is not an address of this machine",
                        "studio", "--host", "no-such-host.invalid"));
    }

    static List<Case> evaluate() {
        return List.of(
                row("evaluate audio of a missing folder", 3, "none: no such file or folder", "evaluate", "audio", "{case}/none"),
                row("evaluate audio of a folder without audio", 3, "holds no audio file",
                        caseDir -> Files.writeString(caseDir.resolve("notes.txt"), "not audio"), "evaluate", "audio", "{case}"),
                row("evaluate fit of a model folder without a config", 2, "give --config CONFIG", "evaluate", "fit", "--source", "{tiny}"),
                row("evaluate fit of a folder that is no source", 2, "is neither a model folder (no config.json) nor a training run",
                        "evaluate", "fit", "--source", "{case}/none", "--config", "{config}"),
                row("evaluate fit of a model folder at a checkpoint", 2, "is a model folder; @best picks a checkpoint of a training run",
                        "evaluate", "fit", "--source", "{tiny}@best", "--config", "{config}"),
                row("evaluate fit with an unknown split", 2, "--split must be valid, train or all, found test",
                        "evaluate", "fit", "--source", "{tiny}", "--config", "{config}", "--split", "test"),
                row("evaluate fit with too few resamples", 2, "resamples",
                        "evaluate", "fit", "--source", "{tiny}", "--config", "{config}", "--resamples", "3"),
                row("evaluate distance with an empty evaluated folder", 3, "holds no audio file",
                        "evaluate", "distance", "{case}", "--reference", "{case}", "--codec", "{tiny}"),
                row("evaluate compare without prompts", 2, "give at least one --prompt or a --prompts file",
                        "evaluate", "compare", "--base", "{tiny}", "--adapted", "{tiny}+{case}", "--config", "{config}", "--out", "{case}/out"),
                row("evaluate compare of a model with itself", 2, ") is the base source (",
                        "evaluate", "compare", "--base", "{tiny}", "--adapted", "{tiny}", "--config", "{config}", "--prompt", "x",
                        "--out", "{case}/out"),
                row("evaluate align of clips without sidecars", 3, "sidecar",
                        caseDir -> Files.copy(Path.of("datasets/demo/funk_bass.ogg"), caseDir.resolve("funk_bass.ogg")),
                        "evaluate", "align", "--source", "{tiny}", "--config", "{config}", "{case}")
        );
    }

    // ---- retune generate ------------------------------------------------------------------------------------------

    static List<Case> generate() {
        return List.of(
                // sampling options: usage errors naming the option and its range
                row("--top-k negative", 2, "--top-k must be ≥ 0", gen("--top-k", "-5")),
                row("--top-p above 1", 2, "--top-p must lie in [0, 1]", gen("--top-p", "1.5")),
                row("--top-p negative", 2, "--top-p must lie in [0, 1]", gen("--top-p", "-0.1")),
                row("--top-p NaN", 2, "--top-p must lie in [0, 1]", gen("--top-p", "NaN")),
                row("--temperature negative", 2, "--temperature must be a finite number ≥ 0", gen("--temperature", "-1")),
                row("--temperature NaN", 2, "--temperature must be a finite number ≥ 0", gen("--temperature", "NaN")),
                row("--temperature infinite", 2, "--temperature must be a finite number ≥ 0", gen("--temperature", "Infinity")),
                row("--cfg 0", 2, "--cfg (guidance scale) must be a finite number > 0", gen("--cfg", "0")),
                row("--cfg negative", 2, "--cfg (guidance scale) must be a finite number > 0", gen("--cfg", "-1")),
                row("--cfg NaN", 2, "--cfg (guidance scale) must be a finite number > 0", gen("--cfg", "NaN")),
                row("--seed beyond a long", 2, "--seed", gen("--seed", "99999999999999999999")),
                row("--batch-size 0", 2, "--batch-size must be at least 1, found 0", gen("--batch-size", "0")),
                // --duration: more than 0, at most 600 s, at least one codec frame
                row("--duration 1e9", 2, "--duration must be more than 0 and at most 600 seconds, found 1.0E9", gen("--duration", "1e9")),
                row("--duration 0", 2, "--duration must be more than 0", gen("--duration", "0")),
                row("--duration negative", 2, "--duration must be more than 0", gen("--duration", "-2")),
                row("--duration NaN", 2, "--duration must be more than 0", gen("--duration", "NaN")),
                row("--duration under one frame", 2, "--duration 0.001 is shorter than one codec frame", gen("--duration", "0.001")),
                // prompts
                row("no prompt at all", 2, "give at least one --prompt or a --prompts file", "generate", "--model", "{tiny}", "--out", "{case}/x.wav"),
                row("a blank --prompt", 2, "--prompt is blank", gen("--prompt", " ")),
                row("--prompts missing", 3, "no such file: ", gen("--prompts", "{case}/none.txt")),
                row("--prompts a folder", 3, "is a folder, not a file of prompts", gen("--prompts", "{case}")),
                row("--prompts empty", 3, "holds no prompts", dir -> Files.writeString(dir.resolve("p.txt"), ""),
                        gen("--prompts", "{case}/p.txt", "--out-dir", "{case}/out")),
                row("--prompts only blank lines", 3, "holds no prompts", dir -> Files.writeString(dir.resolve("p.txt"), "\n  \n\t\n"),
                        gen("--prompts", "{case}/p.txt", "--out-dir", "{case}/out")),
                row("--prompts not UTF-8", 3, "p.txt line 3 is not valid UTF-8 (byte 0xe9 at byte 4 of the line)",
                        dir -> Files.write(dir.resolve("p.txt"), "calm piano\nfast drums\ncaf\u00e9 jazz\n".getBytes(StandardCharsets.ISO_8859_1)),
                        gen("--prompts", "{case}/p.txt", "--out-dir", "{case}/out")),
                row("--prompts with a 100 kB line", 3, "p.txt line 2 is longer than 65536 bytes",
                        dir -> Files.writeString(dir.resolve("p.txt"), "calm piano\n" + "x".repeat(100_000) + "\n"),
                        gen("--prompts", "{case}/p.txt", "--out-dir", "{case}/out")),
                row("--prompts CSV without a prompt column", 3, "p.csv: no prompt column (accepted names: prompt, description, text, caption); columns found: id, mood",
                        dir -> Files.writeString(dir.resolve("p.csv"), "id,mood\n1,calm\n"), gen("--prompts", "{case}/p.csv", "--out-dir", "{case}/out")),
                row("--prompts CSV with a row of the wrong width", 3, "p.csv line 3: expected 2 fields like the header, found 3",
                        dir -> Files.writeString(dir.resolve("p.csv"), "id,prompt\n1,calm piano\n2,fast, loud drums\n"),
                        gen("--prompts", "{case}/p.csv", "--out-dir", "{case}/out")),
                row("--prompts CSV empty", 3, "p.csv is empty", dir -> Files.writeString(dir.resolve("p.csv"), ""),
                        gen("--prompts", "{case}/p.csv", "--out-dir", "{case}/out")),
                row("--prompts CSV not UTF-8", 3, "p.csv line 2 is not valid UTF-8",
                        dir -> Files.write(dir.resolve("p.csv"), "prompt\ncaf\u00e9 jazz\n".getBytes(StandardCharsets.ISO_8859_1)),
                        gen("--prompts", "{case}/p.csv", "--out-dir", "{case}/out")),
                // outputs: checked before the model loads
                row("--out and --out-dir", 2, "give exactly one of --out FILE or --out-dir DIR", gen("--out", "{case}/x.wav", "--out-dir", "{case}/out")),
                row("--out into a missing folder", 2, "does not exist", gen("--out", "{case}/missing/x.wav")),
                row("--out a folder", 2, "is a folder; give a file name", dir -> Files.createDirectory(dir.resolve("x.wav")), gen("--out", "{case}/x.wav")),
                row("--out of an unknown format", 2, "x.xyz: unsupported audio format; expected one of .wav, .flac", gen("--out", "{case}/x.xyz")),
                row("--out without an extension", 2, "/x: unsupported audio format; expected one of .wav", gen("--out", "{case}/x")),
                row("--out with several prompts", 2, "--out takes a single prompt; use --out-dir for 2", gen("--prompt", "a", "--prompt", "b")),
                row("--format with --out", 2, "--format applies to --out-dir", gen("--format", "flac")),
                row("--format unknown", 2, "--format xyz: unsupported audio format", gen("--out-dir", "{case}/out", "--format", "xyz")),
                row("--format with a dot", 2, "--format .wav: unsupported audio format", gen("--out-dir", "{case}/out", "--format", ".wav")),
                row("--out-dir a file", 2, "is a file, not a folder", dir -> Files.writeString(dir.resolve("out"), "x"), gen("--out-dir", "{case}/out")),
                // model sources and inputs
                row("--adapter not an adapter", 3, "holds no PEFT adapter", gen("--adapter", "{case}")),
                row("--adapter with --run", 2, "--adapter applies to --model", "generate", "--run", "{case}", "--adapter", "{case}", "--prompt", "x", "--out", "{case}/x.wav"),
                row("--checkpoint with --model", 2, "--checkpoint applies to --run", gen("--checkpoint", "best")),
                row("--continue missing", 3, "none.wav: no such file", gen("--continue", "{case}/none.wav")),
                row("--continue not audio", 3, "x.wav", dir -> Files.writeString(dir.resolve("x.wav"), "not audio"), gen("--continue", "{case}/x.wav", "--out", "{case}/y.wav")),
                row("--run that is not a run", 3, "is not a training run (no config.yaml)", "generate", "--run", "{case}", "--prompt", "x", "--out", "{case}/x.wav"),
                // --checkpoint: a step that does not exist lists those that do; anything but best, latest or a step is a usage error
                row("--checkpoint of a missing step", 3, "has no checkpoint of step 999; its checkpoints are of steps [3, 7]", BadInputTest::fakeRun,
                        "generate", "--run", "{case}/run", "--checkpoint", "999", "--prompt", "x", "--out", "{case}/x.wav"),
                row("--checkpoint best of a run without one", 3, "has no best checkpoint (no evaluation ran); its checkpoints are of steps [3, 7]",
                        BadInputTest::fakeRun, "generate", "--run", "{case}/run", "--checkpoint", "best", "--prompt", "x", "--out", "{case}/x.wav"),
                row("--checkpoint not a number", 2, "Invalid value for option '--checkpoint': expected best, latest or a step number ≥ 0, found 'abc'",
                        BadInputTest::fakeRun, "generate", "--run", "{case}/run", "--checkpoint", "abc", "--prompt", "x", "--out", "{case}/x.wav"),
                row("--checkpoint negative", 2, "Invalid value for option '--checkpoint': expected best, latest or a step number ≥ 0, found '-3'",
                        BadInputTest::fakeRun, "generate", "--run", "{case}/run", "--checkpoint", "-3", "--prompt", "x", "--out", "{case}/x.wav"),
                row("export --checkpoint of a missing step", 3, "has no checkpoint of step 999; its checkpoints are of steps [3, 7]", BadInputTest::fakeRun,
                        "export", "{case}/run", "--checkpoint", "999", "--merged", "--out", "{case}/export"),
                row("export --checkpoint not a number", 2, "Invalid value for option '--checkpoint'", BadInputTest::fakeRun,
                        "export", "{case}/run", "--checkpoint", "1.5", "--merged", "--out", "{case}/export")
        );
    }

    /**
     * A generate command on the tiny model, 0.1 s to {case}/out.wav from one prompt, with {@code options} added; an
     * option given there replaces the default of its kind (--prompt/--prompts, --out/--out-dir).
     */
    private static String[] gen(String... options) {
        List<String> given = List.of(options);
        List<String> args = new ArrayList<>(List.of("generate", "--model", "{tiny}"));
        if (!given.contains("--duration")) {
            args.addAll(List.of("--duration", "0.1"));
        }
        if (!given.contains("--prompts") && !given.contains("--prompt")) {
            args.addAll(List.of("--prompt", "calm piano"));
        }
        if (!given.contains("--out") && !given.contains("--out-dir")) {
            args.addAll(List.of("--out", "{case}/out.wav"));
        }
        args.addAll(given);
        return args.toArray(String[]::new);
    }

    /** A run folder with a config and two (empty) checkpoint folders, steps 3 and 7, and no best pointer. */
    private static void fakeRun(Path caseDir) throws IOException {
        Path run = Files.createDirectories(caseDir.resolve("run"));
        Files.copy(config, run.resolve("config.yaml"));
        Files.createDirectories(run.resolve("checkpoints/step-0000003"));
        Files.createDirectories(run.resolve("checkpoints/step-0000007"));
    }

    // ---- configs: --set, YAML files, limits that depend on the model ---------------------------------------------

    static List<Case> configs() {
        return List.of(
                row("--set with broken YAML", 3, "error: --set train.max_steps=[1,: not valid YAML: expected the node content",
                        "plan", "{config}", "--set", "train.max_steps=[1,"),
                row("--set of a word for a number", 3, "error: --set optim.lr=abc: optim.lr must be a number, found 'abc'",
                        "plan", "{config}", "--set", "optim.lr=abc"),
                row("--set with no value", 3, "error: --set train.max_steps=: no value after '='; give one (quote a string that"
                        + " starts with #), or train.max_steps=null to reset train.max_steps to its default",
                        "plan", "{config}", "--set", "train.max_steps="),
                row("--set without =", 3, "error: --set optim.lr: expected section.key=value", "plan", "{config}", "--set", "optim.lr"),
                row("--set of one key twice", 3, "error: --set optim.lr=0.2: --set optim.lr=0.1 already sets optim.lr; give each"
                        + " key once", "plan", "{config}", "--set", "optim.lr=0.1", "--set", "optim.lr=0.2"),
                row("--set of an integer beyond int", 3, "error: --set data.batch_size=4000000000: data.batch_size must be an"
                        + " integer from -2147483648 to 2147483647", "plan", "{config}", "--set", "data.batch_size=4000000000"),
                row("--set of 1 for true/false", 3, "data.allow_outside_paths must be true or false, found 1",
                        "plan", "{config}", "--set", "data.allow_outside_paths=1"),
                row("--set of an unknown key", 3, "error: --set optim.lrr=1: unknown key 'optim.lrr'; did you mean 'optim.lr'?",
                        "plan", "{config}", "--set", "optim.lrr=1"),
                row("--set below a key holding a value", 3, "holds a value", "plan", "{config}", "--set", "optim.lr.x=1"),
                row("--set on train", 3, "error: --set optim.lr=abc: optim.lr must be a number",
                        "train", "{config}", "--set", "optim.lr=abc"),
                row("segment_seconds of 1e9", 3, "data.segment_seconds must be at most 3600, found 1000000000",
                        "plan", "{config}", "--set", "data.segment_seconds=1e9"),
                row("segment_seconds of NaN", 3, "data.segment_seconds must be greater than 0, found NaN",
                        "plan", "{config}", "--set", "data.segment_seconds=.nan"),
                row("negative batch size", 3, "data.batch_size must be at least 1, found -2",
                        "plan", "{config}", "--set", "data.batch_size=-2"),
                row("learning rate NaN", 3, "optim.lr must be greater than 0, found NaN", "plan", "{config}", "--set", "optim.lr=.nan"),
                row("empty dataset path", 3, "data.dataset is empty", "plan", "{config}", "--set", "data.dataset=''"),
                row("a key twice in a YAML file", 3, "x.yaml: data.batch_size is given twice, at lines 2 and 4; keep one",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "data:\n  batch_size: 2\n  dataset: d\n  batch_size: 3\n"),
                        "plan", "{case}/x.yaml"),
                row("a nested key twice in a YAML file", 3, "x.yaml: data.text.merge_p is given twice, at lines 3 and 5",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "data:\n  text:\n    merge_p: 0.1\n    drop_field_p: 0\n"
                                + "    merge_p: 0.2\n"),
                        "plan", "{case}/x.yaml"),
                row("a section twice in a YAML file", 3, "x.yaml: train is given twice, at lines 1 and 5",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "train:\n  max_steps: 3\ndata:\n  batch_size: 2\n"
                                + "train:\n  seed: 1\n"),
                        "plan", "{case}/x.yaml"),
                row("a key twice in a flow mapping", 3, "x.yaml: optim.lr is given twice, both on line 2",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "model: {preset: tiny}\noptim: {lr: 1, lr: 2}\n"),
                        "plan", "{case}/x.yaml"),
                row("a key twice in a JSON file", 3, "x.json: optim.lr is given twice, at lines 2 and 3",
                        dir -> Files.writeString(dir.resolve("x.json"), "{\"optim\": {\n  \"lr\": 1,\n  \"lr\": 2}}\n"),
                        "plan", "{case}/x.json"),
                row("an unknown key in a file", 3, "x.yaml line 3: unknown key 'data.sample_rte'; did you mean 'data.sample_rate'?",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "data:\n  dataset: d\n  sample_rte: 44100\n"),
                        "plan", "{case}/x.yaml"),
                row("a wrong type in a file", 3, "x.yaml line 2: optim.lr must be a number, found 'fast'",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "optim:\n  lr: fast\n"), "plan", "{case}/x.yaml"),
                row("a YAML syntax error", 3, "x.yaml line 3: not valid YAML: expected ',' or ']'",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "data:\n  dataset: [d\n  batch_size: 2\n"),
                        "plan", "{case}/x.yaml"),
                row("an empty config file", 3, "x.yaml is empty; a config needs at least one section",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "# nothing yet\n"), "plan", "{case}/x.yaml"),
                row("a config that is a folder", 3, " is a folder; give a config file", "plan", "{case}"),
                row("a config that is a pipe", 3, "x.yaml is not a regular file (a pipe, device or socket)",
                        dir -> TestFiles.namedPipe(dir.resolve("x.yaml")), "plan", "{case}/x.yaml"),
                row("a config that is not UTF-8", 3, "x.yaml line 2: not valid UTF-8 (byte 0xE9)",
                        dir -> Files.write(dir.resolve("x.yaml"), "data:\n  dataset: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1)),
                        "plan", "{case}/x.yaml"),
                row("a config with two documents", 3, "x.yaml line 3: a second YAML document starts here",
                        dir -> Files.writeString(dir.resolve("x.yaml"), "optim: {lr: 1}\n---\ntrain: {seed: 2}\n"),
                        "plan", "{case}/x.yaml")
        );
    }

    // ---- model folders: config.json, weights, model verify ---------------------------------------------------------

    static List<Case> modelFiles() {
        String layers = "config.json: decoder.num_hidden_layers must be between 1 and 128, found ";
        return List.of(
                // config.json: every command that reads a model folder stops at the same line, before any tensor exists
                row("config.json: -1 decoder layers (inspect)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "model", "inspect", "{case}"),
                row("config.json: -1 decoder layers (verify)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "model", "verify", "{case}", "--reference", "{case}/model.safetensors"),
                row("config.json: -1 decoder layers (plan)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "plan", "{config}", "--set", "model.path={case}"),
                row("config.json: -1 decoder layers (train)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "train", "{config}", "--set", "model.path={case}", "--out", "{case}/run"),
                row("config.json: -1 decoder layers (generate)", 3, layers + "-1",
                        tinyConfigWith("decoder", "num_hidden_layers", "-1"), "generate", "--model", "{case}", "--prompt", "x", "--duration", "1",
                        "--out", "{case}/x.wav"),
                row("config.json: 10^9 decoder layers", 3, layers + "1000000000",
                        tinyConfigWith("decoder", "num_hidden_layers", "1000000000"), "bench", "load", "{case}"),
                row("config.json: 1e9 decoder layers", 3, "config.json: decoder.num_hidden_layers must be an integer written with digits only, found 1.0E9",
                        tinyConfigWith("decoder", "num_hidden_layers", "1e9"), "model", "inspect", "{case}"),
                row("config.json: 2.5 decoder layers", 3, "config.json: decoder.num_hidden_layers must be an integer written with digits only, found 2.5",
                        tinyConfigWith("decoder", "num_hidden_layers", "2.5"), "model", "inspect", "{case}"),
                row("config.json: a string for a number", 3, "config.json: decoder.ffn_dim must be an integer, found \"256\"",
                        tinyConfigWith("decoder", "ffn_dim", "\"256\""), "model", "inspect", "{case}"),
                row("config.json: a required size missing", 3, "config.json: decoder.hidden_size is missing",
                        tinyConfigWith("decoder", "hidden_size", null), "model", "inspect", "{case}"),
                row("config.json: 0 codebooks", 3, "config.json: decoder.num_codebooks must be between 1 and 16, found 0",
                        tinyConfigWith("decoder", "num_codebooks", "0"), "model", "inspect", "{case}"),
                row("config.json: 0 positions", 3, "config.json: decoder.max_position_embeddings must be between 5 and 16384, found 0",
                        tinyConfigWith("decoder", "max_position_embeddings", "0"), "model", "inspect", "{case}"),
                row("config.json: -3 T5 layers", 3, "config.json: text_encoder.num_layers must be between 1 and 128, found -3",
                        tinyConfigWith("text_encoder", "num_layers", "-3"), "model", "inspect", "{case}"),
                row("config.json: vocabulary -5", 3, "config.json: decoder.vocab_size must be between 1 and 16384, found -5",
                        tinyConfigWith("decoder", "vocab_size", "-5"), "model", "inspect", "{case}"),
                row("config.json: 0 attention heads", 3, "config.json: decoder.num_attention_heads must be between 1 and 128, found 0",
                        tinyConfigWith("decoder", "num_attention_heads", "0"), "model", "inspect", "{case}"),
                row("config.json: hidden size 0", 3, "config.json: decoder.hidden_size must be between 4 and 8192, found 0",
                        tinyConfigWith("decoder", "hidden_size", "0"), "model", "inspect", "{case}"),
                row("config.json: heads that do not divide the width", 3, "config.json: decoder.hidden_size 64 is not divisible by decoder.num_attention_heads 3",
                        tinyConfigWith("decoder", "num_attention_heads", "3"), "model", "inspect", "{case}"),
                row("config.json: decoder and codec vocabularies differ", 3, "config.json: decoder.vocab_size 256 must equal audio_encoder.codebook_size 512",
                        tinyConfigWith("audio_encoder", "codebook_size", "512"), "model", "inspect", "{case}"),
                row("config.json: a codec bandwidth of no quantizer", 3, "config.json: audio_encoder.target_bandwidths [0.1] give 0 quantizers",
                        tinyConfigWith("audio_encoder", "target_bandwidths", "[0.1]"), "model", "inspect", "{case}"),
                row("config.json: strides of the wrong type", 3, "config.json: audio_encoder.upsampling_ratios must be a list of integers, found [8,\"5\",4,4]",
                        tinyConfigWith("audio_encoder", "upsampling_ratios", "[8, \"5\", 4, 4]"), "model", "inspect", "{case}"),
                row("config.json: another text encoder type", 3, "config.json: text_encoder.model_type must be \"t5\", found \"mt5\"",
                        tinyConfigWith("text_encoder", "model_type", "\"mt5\""), "model", "inspect", "{case}"),

                // weights: a floating parameter stored with an integer or boolean dtype
                row("model.safetensors: an I32 weight", 3, "model.safetensors: tensor 'decoder.lm_heads.0.weight' is stored as I32 (integer); a floating-point tensor",
                        tinyWeightAs("decoder.lm_heads.0.weight", ScalarType.Int), "bench", "load", "{case}"),
                row("model.safetensors: an I64 weight", 3, "model.safetensors: tensor 'text_encoder.shared.weight' is stored as I64 (integer)",
                        tinyWeightAs("text_encoder.shared.weight", ScalarType.Long), "generate", "--model", "{case}", "--prompt", "x", "--duration", "1",
                        "--out", "{case}/x.wav"),
                row("model.safetensors: a BOOL weight", 3, "is stored as BOOL (boolean); a floating-point tensor",
                        tinyWeightAs("decoder.model.decoder.layer_norm.weight", ScalarType.Bool), "model", "verify", "{case}", "--reference", "{case}/model.safetensors"),

                // model verify: a reference must check something, and its inputs must be usable
                row("reference: no tensors at all", 5, "nothing was compared",
                        reference(Map::of), "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: inputs but no output", 5, "nothing was compared",
                        reference(() -> Map.of("text_input_ids", torch.ones(1, 3).to(ScalarType.Long))), "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: an empty file", 3, "ref.safetensors: is 0 bytes long",
                        caseDir -> Files.write(caseDir.resolve("ref.safetensors"), new byte[0]), "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: text ids beyond the vocabulary", 3, "reference tensor text_input_ids must hold values between 0 and 835, found 5000",
                        reference(() -> textStage(torch.full(new long[] {1, 3}, new Scalar(5000)).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: negative text ids", 3, "reference tensor text_input_ids must hold values between 0 and 835, found -2",
                        reference(() -> textStage(torch.full(new long[] {1, 3}, new Scalar(-2)).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: fractional float ids", 3, "reference tensor text_input_ids must be an integer tensor (I64, I32, I16, I8, U8), found F32",
                        reference(() -> textStage(torch.full(new long[] {1, 3}, new Scalar(2.5)))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: ids of the wrong rank", 3, "reference tensor text_input_ids must have shape [B, L] with no empty dimension, found [3]",
                        reference(() -> textStage(torch.ones(3).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: a 64 TB delay pattern", 3, "reference tensor delay_max_length must hold values between 1 and 512, found 35184372088832",
                        reference(() -> Map.of("delay_input_ids", torch.ones(4, 2).to(ScalarType.Long),
                                "delay_max_length", torch.full(new long[0], new Scalar(1L << 45)).to(ScalarType.Long),
                                "delay_output_ids", torch.ones(4, 2).to(ScalarType.Long))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors"),
                row("reference: an empty table of 10^12 positions", 3, "reference tensor sinusoidal_positions must have shape [P, D] with no empty dimension",
                        reference(() -> Map.of("sinusoidal_positions", torch.zeros(1_000_000_000_000L, 0))),
                        "model", "verify", "{tiny}", "--reference", "{case}/ref.safetensors")
        );
    }

    /** Copies the shared tiny model into the row's folder with {@code section.key} of config.json set to {@code json} (null: removed). */
    static Setup tinyConfigWith(String section, String key, String json) {
        return caseDir -> {
            copyTiny(caseDir);
            Path file = caseDir.resolve(ModelFolder.CONFIG);
            ObjectNode root = (ObjectNode) JsonMapper.shared().readTree(file.toFile());
            ObjectNode object = (ObjectNode) root.get(section);
            if (json == null) {
                object.remove(key);
                Files.writeString(file, JsonMapper.shared().writeValueAsString(root));
            } else {
                object.put(key, "{value}"); // replaced by the raw text, so that 1e9 keeps its spelling
                Files.writeString(file, JsonMapper.shared().writeValueAsString(root).replace("\"{value}\"", json));
            }
        };
    }

    /** Copies the shared tiny model into the row's folder with the weight {@code name} stored as {@code dtype}. */
    static Setup tinyWeightAs(String name, ScalarType dtype) {
        return caseDir -> {
            copyTiny(caseDir);
            Path file = caseDir.resolve(ModelFolder.WEIGHTS);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            try (Safetensors weights = Safetensors.open(file)) {
                weights.names().forEach(n -> tensors.put(n, weights.tensor(n)));
            }
            tensors.put(name, tensors.get(name).to(dtype));
            SafetensorsWriter.write(file, tensors, Map.of());
        };
    }

    /** Writes the tensors as {@code ref.safetensors} in the row's folder. */
    static Setup reference(Supplier<Map<String, Tensor>> tensors) {
        return caseDir -> SafetensorsWriter.write(caseDir.resolve("ref.safetensors"), tensors.get(), Map.of());
    }

    /** The text encoder stage's tensors for the tiny model, with {@code ids} as text_input_ids. */
    static Map<String, Tensor> textStage(Tensor ids) {
        return Map.of("text_input_ids", ids, "text_attention_mask", torch.ones(1, 3).to(ScalarType.Long),
                "encoder_last_hidden_state", torch.zeros(1, 3, 32));
    }

    static void copyTiny(Path caseDir) throws IOException {
        for (String file : List.of(ModelFolder.CONFIG, ModelFolder.WEIGHTS, ModelFolder.TOKENIZER)) {
            Files.copy(tiny.resolve(file), caseDir.resolve(file));
        }
    }

    // ---- datasets: paths, links, special files --------------------------------------------------------------------

    static List<Case> datasets() {
        return List.of(
                row("an audio link leading out of the dataset", 4, "first problem: path_outside_dataset, line 2: 'in.wav' is a"
                        + " symbolic link", dir -> {
                            Files.createDirectories(dir.resolve("ds"));
                            Files.writeString(dir.resolve("ds/metadata.csv"), "file,caption\nin.wav,a tone\n");
                            Files.createSymbolicLink(dir.resolve("ds/in.wav"), TestAudio.write(dir, "out.wav", TestAudio.sine(440, 32_000, 2.0, 1)));
                        }, "data", "check", "{case}/ds"),
                row("a linked folder leading out of the dataset", 4, "path_outside_dataset, line 2: 'sub/out.wav' is a symbolic"
                        + " link, or lies in a linked folder", dir -> {
                            Files.createDirectories(dir.resolve("ds"));
                            Files.writeString(dir.resolve("ds/metadata.csv"), "file,caption\nsub/out.wav,a tone\n");
                            TestAudio.write(dir, "out.wav", TestAudio.sine(440, 32_000, 2.0, 1));
                            Files.createSymbolicLink(dir.resolve("ds/sub"), dir);
                        }, "data", "check", "{case}/ds"),
                row("a link out of the dataset with --strict", 4, "--strict: 1 of 2 rows of", dir -> {
                            Files.createDirectories(dir.resolve("ds"));
                            Files.writeString(dir.resolve("ds/metadata.csv"), "file,caption\ngood.wav,a tone\nin.wav,linked\n");
                            TestAudio.write(dir.resolve("ds"), "good.wav", TestAudio.sine(440, 32_000, 2.0, 1));
                            Files.createSymbolicLink(dir.resolve("ds/in.wav"), TestAudio.write(dir, "out.wav", TestAudio.sine(440, 32_000, 2.0, 1)));
                        }, "data", "check", "{case}/ds", "--strict"),
                row("a dangling audio link", 4, "missing_file, line 2: symbolic link to nothing", dir -> {
                            Files.createDirectories(dir.resolve("ds"));
                            Files.writeString(dir.resolve("ds/metadata.csv"), "file,caption\nin.wav,a tone\n");
                            Files.createSymbolicLink(dir.resolve("ds/in.wav"), dir.resolve("ds/deleted.wav"));
                        }, "data", "check", "{case}/ds"),
                row("a folder named as audio", 4, "clip.wav is a folder, not a regular audio file", dir -> {
                            Files.createDirectories(dir.resolve("ds/clip.wav"));
                            Files.writeString(dir.resolve("ds/metadata.csv"), "file,caption\nclip.wav,a tone\n");
                        }, "data", "check", "{case}/ds"),
                row("a pipe named as audio", 4, "is a pipe, device or socket, not a regular audio file", dir -> {
                            Files.createDirectories(dir.resolve("ds"));
                            Files.writeString(dir.resolve("ds/metadata.csv"), "file,caption\nclip.wav,a tone\n");
                            TestFiles.namedPipe(dir.resolve("ds/clip.wav"));
                        }, "data", "check", "{case}/ds"),
                row("a pipe as metadata.csv", 3, "metadata.csv is not a regular file", dir -> {
                            Files.createDirectories(dir.resolve("ds"));
                            TestFiles.namedPipe(dir.resolve("ds/metadata.csv"));
                        }, "data", "check", "{case}/ds"),
                row("a file as the dataset folder", 3, "metadata.csv is not a folder; a dataset is a folder",
                        dir -> Files.writeString(dir.resolve("metadata.csv"), "file,caption\n"),
                        "data", "check", "{case}/metadata.csv"),
                row("a row with two problems counts once", 4, "no usable rows (1 read, 1 skipped); first problem: empty_path,"
                        + " line 2: the audio path is empty", dir -> {
                            Files.createDirectories(dir.resolve("ds"));
                            Files.writeString(dir.resolve("ds/metadata.csv"), "file,caption\n,\n");
                        }, "data", "check", "{case}/ds")
        );
    }
}
