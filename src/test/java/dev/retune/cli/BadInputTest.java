package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TinyTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        );
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
