package dev.retune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.Failure;
import dev.retune.ProgressListener;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.train.DemoSubset;
import dev.retune.train.TrainRun;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The training lock of a run folder: who trains it now, a second trainer refused, and the lock file left out of the run. */
class RunLockTest {

    @TempDir
    Path dir;

    @Test
    void theHolderIsKnownByPidUntilItReleases() {
        Path run = dir.resolve("run");
        assertEquals(OptionalLong.empty(), RunLock.trainer(run), "no lock file: nobody trains it");

        try (RunLock lock = RunLock.acquire(run)) {
            assertEquals(OptionalLong.of(ProcessHandle.current().pid()), RunLock.trainer(run));
        }

        assertEquals(OptionalLong.empty(), RunLock.trainer(run), "released: the file stays but nobody holds it");
        assertTrue(Files.exists(run.resolve(RunLock.FILE_NAME)));
        try (RunLock again = RunLock.acquire(run)) {
            assertTrue(RunLock.trainer(run).isPresent(), "a released lock can be taken again");
        }
    }

    @Test
    void aSecondTrainerOnALockedFolderFailsNamingTheFolderAndPid() throws IOException {
        RetuneConfig config = ConfigLoader.load(tinyConfig(), List.of());
        Path run = dir.resolve("run");

        RunException e;
        try (RunLock held = RunLock.acquire(run)) {
            e = assertThrows(RunException.class, () -> new TrainRun(config, run)
                    .run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, null), new AtomicBoolean()));
        }

        assertEquals(Failure.BAD_INPUT, e.failure(), "exit 3");
        assertTrue(e.getMessage().contains(run.toString()) && e.getMessage().contains("process " + ProcessHandle.current().pid()),
                e.getMessage());
        assertFalse(Files.exists(run.resolve("config.yaml")), "the refused trainer wrote nothing");
        assertFalse(Files.exists(run.resolve("metrics.jsonl")));
    }

    @Test
    void aTrainedRunLeavesTheLockFileOutOfItsSummaryAndReleasesIt() throws IOException {
        RetuneConfig config = ConfigLoader.load(tinyConfig(), List.of());
        Path run = dir.resolve("run");

        new TrainRun(config, run).run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, null), new AtomicBoolean());

        assertTrue(Files.exists(run.resolve(RunLock.FILE_NAME)));
        assertEquals(OptionalLong.empty(), RunLock.trainer(run), "released when training ended");
        assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(run.resolve(RunLock.FILE_NAME)).strip());
        JsonNode files = JsonMapper.shared().readTree(Files.readString(run.resolve("summary.json"))).get("files");
        assertTrue(files.has("config.yaml") && files.has("metrics.jsonl"), files.toString());
        assertFalse(files.has(RunLock.FILE_NAME), files.toString());
    }

    private Path tinyConfig() throws IOException {
        return Files.writeString(dir.resolve("tiny.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + DemoSubset.copyTo(dir.resolve("data")) + ", segment_seconds: 1, batch_size: 2, cache_dir: "
                        + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant}",
                "train: {max_steps: 2, cfg_dropout_p: 0.0, seed: 5}",
                "eval: {every: 2}",
                "checkpoint: {every: 100, keep_last: 1}",
                ""));
    }
}
