package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.train.DemoSubset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `retune train` end to end in-process: JSON lines, and the exit code of each way a run cannot start. */
class TrainCommandTest {

    /** Four training and two validation tracks of datasets/demo, in several containers. */

    @TempDir
    static Path dir;

    private static Path config;

    @BeforeAll
    static void configure() throws IOException {
        config = tinyConfig(dir);
    }

    /** A tiny-preset config over a six-track subset of datasets/demo, with its model and token cache under {@code dir}. */
    static Path tinyConfig(Path dir) throws IOException {
        Path dataset = DemoSubset.copyTo(dir.resolve("data"));
        return Files.writeString(dir.resolve("tiny.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + dataset + ", segment_seconds: 1, batch_size: 2, cache_dir: " + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant}",
                "train: {max_steps: 3, cfg_dropout_p: 0.0, seed: 5}",
                "eval: {every: 2}",
                "checkpoint: {every: 100, keep_last: 2}",
                ""));
    }

    /** A CLI run with its stdout parsed as JSON lines. */
    record Captured(CliRun run, String stdout) {
        List<JsonNode> records() {
            return stdout.lines().filter(l -> !l.isBlank()).map(l -> JsonMapper.shared().readTree(l)).toList();
        }

        List<Long> steps() {
            return records().stream().filter(r -> r.get("type").asString().equals("step")).map(r -> r.get("step").asLong()).toList();
        }
    }

    static Captured withStdout(String... args) {
        CliRun run = CliRun.of(args);
        return new Captured(run, run.out());
    }

    @Test
    void jsonModeWritesOneParsableJsonObjectPerLineAndExitsZero() throws IOException {
        Path runDir = dir.resolve("json");

        Captured c = withStdout("train", config.toString(), "--json", "--out", runDir.toString(), "--set", "train.max_steps=3",
                "--set", "eval.every=2");

        assertEquals(ExitCode.OK, c.run().exitCode(), c.run().err());
        List<JsonNode> records = c.records(); // every line parses, or this throws
        assertTrue(records.stream().allMatch(r -> r.isObject() && r.has("type")), c.stdout());
        assertEquals(List.of(1L, 2L, 3L), c.steps());
        assertEquals(List.of(2L, 3L), records.stream().filter(r -> r.get("type").asString().equals("eval"))
                .map(r -> r.get("step").asLong()).toList(), "eval every 2 steps and after the last");
        assertTrue(records.stream().anyMatch(r -> r.get("type").asString().equals("message")
                && r.get("text").asString().contains("step-0000003")), "the final checkpoint is announced");
        assertTrue(Files.isRegularFile(runDir.resolve("summary.json")));
        assertEquals("completed", JsonMapper.shared().readTree(Files.readString(runDir.resolve("summary.json"))).get("exit_reason").asString());
    }

    @Test
    void jsonLinesGoToTheCommandLinesOutWriter() {
        Path runDir = dir.resolve("json-writer");

        CliRun run = CliRun.of("train", config.toString(), "--json", "--out", runDir.toString(), "--set", "train.max_steps=1");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        assertTrue(run.out().lines().anyMatch(l -> l.contains("\"type\":\"step\"")), "stdout: " + run.out());
    }

    @Test
    void unknownConfigKeyIsBadInputNamingTheKey() throws IOException {
        CliRun fromSet = CliRun.of("train", config.toString(), "--json", "--out", dir.resolve("bad-set").toString(),
                "--set", "train.max_stepz=3");
        Path badFile = Files.writeString(dir.resolve("bad.yaml"), Files.readString(config) + "ema: {decai: 0.9}\n");
        CliRun fromFile = CliRun.of("train", badFile.toString(), "--json", "--out", dir.resolve("bad-file").toString());

        assertEquals(ExitCode.BAD_INPUT, fromSet.exitCode(), fromSet.err());
        assertTrue(fromSet.err().contains("train.max_stepz"), fromSet.err());
        assertEquals(ExitCode.BAD_INPUT, fromFile.exitCode(), fromFile.err());
        assertTrue(fromFile.err().contains("ema.decai"), fromFile.err());
        assertFalse(Files.exists(dir.resolve("bad-set")), "nothing is created for a config that does not load");
    }

    @Test
    void aKernelForcedOnWhereItCannotRunIsBadInputNamingTheKey() {
        CliRun run = CliRun.of("train", config.toString(), "--json", "--out", dir.resolve("forced-kernel").toString(),
                "--set", "kernels.adamw=on", "--set", "device.kind=cpu");

        assertEquals(ExitCode.BAD_INPUT, run.exitCode(), run.err());
        assertTrue(run.err().contains("kernels.adamw is on, but this runs on the CPU"), run.err());
    }

    @Test
    void nprocBelowOneIsAUsageError() {
        CliRun run = CliRun.of("train", config.toString(), "--nproc", "0");

        assertEquals(ExitCode.USAGE, run.exitCode());
        assertTrue(run.err().contains("--nproc must be at least 1"), run.err());
    }

    @Test
    void resumeWithoutACheckpointIsAUsageError() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-run"));

        CliRun run = CliRun.of("train", config.toString(), "--json", "--out", empty.toString(), "--resume");

        assertEquals(ExitCode.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains("--resume") && run.err().contains(empty.toString()), run.err());
        try (var entries = Files.list(empty)) {
            assertEquals(0, entries.count(), "nothing is written into the folder");
        }
    }

    @Test
    void datasetWithoutUsableFilesExitsFour() throws IOException {
        Path dataset = Files.createDirectories(dir.resolve("unusable"));
        Files.write(dataset.resolve("noise.wav"), "not audio at all, just text pretending".getBytes(StandardCharsets.UTF_8));
        Files.writeString(dataset.resolve("metadata.csv"),
                "file_name,description,split\nnoise.wav,a song,train\nmissing.ogg,another song,train\n");

        CliRun run = CliRun.of("train", config.toString(), "--json", "--out", dir.resolve("unusable-run").toString(),
                "--set", "data.dataset=" + dataset);

        assertEquals(ExitCode.DATA_CHECK_FAILED, run.exitCode(), run.err());
        assertTrue(run.err().contains("no usable training tracks"), run.err());
    }

    @Test
    void missingDatasetFolderIsBadInputNamingIt() {
        Path missing = dir.resolve("no-such-dataset");

        CliRun run = CliRun.of("train", config.toString(), "--json", "--out", dir.resolve("missing-run").toString(),
                "--set", "data.dataset=" + missing);

        assertEquals(ExitCode.BAD_INPUT, run.exitCode(), run.err());
        assertTrue(run.err().contains(missing.toString()), run.err());
    }

    @Test
    void whatTheLibrarySaysWhileTrainingComesAsMessageRecordsNotOnStderr() throws IOException {
        Path own = dir.resolve("with-a-missing-file");
        Path ownConfig = tinyConfig(own);
        Files.writeString(own.resolve("data/metadata.csv"), "missing.wav,a file that is not there,ambient,70,A minor,train\n", StandardOpenOption.APPEND);

        Captured c = withStdout("train", ownConfig.toString(), "--json", "--out", own.resolve("run").toString(), "--set", "train.max_steps=1");

        assertEquals(ExitCode.OK, c.run().exitCode(), c.run().err());
        assertTrue(c.records().stream().anyMatch(r -> r.get("type").asString().equals("message")
                && r.get("text").asString().startsWith("skipping missing_file: ")), c.stdout());
    }
}
