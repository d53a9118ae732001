package dev.retune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunHistoryTest {

    @TempDir
    Path dir;

    @Test
    void aResumedSegmentSupersedesWhatTheKilledOneLoggedAfterItsCheckpoint() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"type\":\"start\",\"from_step\":0,\"wall_s\":0.0}",
                step(1, 4.0, 1.0), step(2, 3.9, 2.0), eval(2, 3.8, 2.5), step(3, 3.7, 3.5), step(4, 3.6, 4.5), eval(4, 3.5, 5.0),
                step(5, 3.4, 6.0), step(6, 3.3, 7.0), eval(6, 3.2, 8.0), // killed: its last checkpoint was step 4
                "{\"type\":\"start\",\"from_step\":4,\"wall_s\":0.0}",
                step(5, 3.45, 1.0), step(6, 3.35, 2.0), eval(6, 3.25, 2.5), step(7, 3.1, 3.0), ""));

        RunHistory history = RunHistory.read(file);

        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), history.steps().stream().map(RunHistory.Step::step).toList());
        assertEquals(3.45, history.steps().get(4).loss(), "step 5 as the second segment logged it");
        assertEquals(List.of(new RunHistory.Eval(2, 3.8), new RunHistory.Eval(4, 3.5), new RunHistory.Eval(6, 3.25)), history.evals());
        assertEquals(2, history.segments());
        assertEquals(8.0 + 3.0, history.wallSeconds(), 1e-9, "both segments cost their whole wall time");
    }

    @Test
    void aFileFromBeforeSegmentsIsOneSegmentAndTornLinesAreSkipped() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"type\":\"step\",\"step\":1,\"epoch\":0,\"loss\":4.0}\n{\"type\":\"step\",\"ste\n"
                + "{\"type\":\"message\",\"text\":\"hello\"}\n{\"type\":\"step\",\"step\":2,\"epoch\":0,\"loss\":3.0}\n");

        RunHistory history = RunHistory.read(file);

        assertEquals(List.of(1L, 2L), history.steps().stream().map(RunHistory.Step::step).toList());
        assertEquals(1, history.segments());
    }

    @Test
    void noFileIsAnEmptyHistory() {
        RunHistory history = RunHistory.read(dir.resolve("absent.jsonl"));

        assertEquals(List.of(), history.steps());
        assertEquals(0, history.segments());
    }

    private static String step(long step, double loss, double wall) {
        return "{\"type\":\"step\",\"step\":" + step + ",\"epoch\":0,\"loss\":" + loss + ",\"tokens_per_s\":100.0,\"step_s\":0.5,"
                + "\"skipped\":false,\"wall_s\":" + wall + "}";
    }

    private static String eval(long step, double loss, double wall) {
        return "{\"type\":\"eval\",\"step\":" + step + ",\"loss\":" + loss + ",\"wall_s\":" + wall + "}";
    }
}
