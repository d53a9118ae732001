package dev.retune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code retune sweep}: the dry run, bad input with its exit codes, and two runs as two parallel processes. */
class SweepCommandTest {

    @TempDir
    Path dir;

    private Path sweep(String... variants) throws IOException {
        if (!Files.exists(dir.resolve("tiny.yaml"))) {
            TrainCommandTest.tinyConfig(dir);
        }
        return Files.writeString(dir.resolve("sweep.yaml"), String.join("\n",
                "base: tiny.yaml",
                "set: {train.max_steps: 2, eval.every: 2}",
                "variants: [" + String.join(", ", variants) + "]",
                "seeds: [1]",
                "out: " + dir.resolve("out"),
                ""));
    }

    private static List<JsonNode> runs(String json) {
        return List.copyOf(JsonMapper.shared().readTree(json).values());
    }

    @Test
    void dryRunListsEveryRunWithItsFolderAndStatusAndTrainsNothing() throws IOException {
        Path file = sweep("{name: a, set: {optim.lr: 0.001}}", "{name: b, set: {optim.lr: 0.002}}");

        CliRun run = CliRun.of("sweep", file.toString(), "--dry-run", "--json");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        List<JsonNode> runs = runs(run.out());
        assertEquals(List.of("a", "b"), runs.stream().map(r -> r.get("variant").asString()).toList());
        assertEquals(List.of("new", "new"), runs.stream().map(r -> r.get("status").asString()).toList());
        assertTrue(runs.get(0).get("folder").asString().startsWith(dir.resolve("out").resolve("a-").toString()), run.out());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void aBadKeyInAVariantIsExit3NamingTheVariantAndKey() throws IOException {
        CliRun run = CliRun.of("sweep", sweep("{name: typo, set: {optim.lrr: 0.001}}").toString(), "--dry-run");

        assertEquals(ExitCode.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("variant 'typo'") && run.err().contains("optim.lrr"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void anUnknownKeyOfTheSweepFileIsExit3AndParallelZeroExit2() throws IOException {
        Path file = sweep("{name: a, set: {}}");
        Files.writeString(file, Files.readString(file) + "seed: [1]\n");

        CliRun unknown = CliRun.of("sweep", file.toString());
        CliRun parallel = CliRun.of("sweep", sweep("{name: a, set: {}}").toString(), "--parallel", "0");

        assertEquals(ExitCode.BAD_INPUT, unknown.exitCode());
        assertTrue(unknown.err().contains("unknown key 'seed'"), unknown.err());
        assertEquals(ExitCode.USAGE, parallel.exitCode());
        assertTrue(parallel.err().contains("--parallel"), parallel.err());
    }

    @Test
    void twoRunsInTwoProcessesFinishWithTheirLogsAndTheReport() throws IOException {
        Path file = sweep("{name: a, set: {optim.lr: 0.001}}", "{name: b, set: {optim.lr: 0.002}}");

        CliRun run = CliRun.of("sweep", file.toString(), "--parallel", "2", "--json");

        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        JsonNode result = JsonMapper.shared().readTree(run.out());
        assertEquals(2, result.get("runs").size());
        for (JsonNode r : result.get("runs")) {
            Path folder = Path.of(r.get("folder").asString());
            assertEquals("finished", r.get("status").asString());
            assertEquals(2, r.get("steps").asLong());
            assertTrue(Files.readString(folder.resolve("train.log")).contains("\"type\":\"step\""), folder.toString());
        }
        assertTrue(Files.exists(dir.resolve("out/sweep.json")) && Files.exists(dir.resolve("out/report.md")));
        CliRun again = CliRun.of("sweep", file.toString(), "--dry-run", "--json");
        assertEquals(List.of("finished", "finished"), runs(again.out()).stream().map(r -> r.get("status").asString()).toList());
    }
}
