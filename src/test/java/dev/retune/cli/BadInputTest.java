package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
        return Stream.of(commandLine(), generate(), configs(), modelFiles(), datasets()).flatMap(List::stream);
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
                row("an unknown option", 2, "--nope", "train", "{config}", "--nope")
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
        );
    }

    // ---- model folders: config.json, weights, model verify ---------------------------------------------------------

    static List<Case> modelFiles() {
        return List.of(
        );
    }

    // ---- datasets: paths, links, special files --------------------------------------------------------------------

    static List<Case> datasets() {
        return List.of(
        );
    }
}
