package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.run.RunHistory;
import dev.retune.run.RunLock;
import dev.retune.run.RunSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The Runs tab's API over real HTTP on run folders written as training writes them: statuses, details, the live
 * metrics stream, and every refused request. Training processes themselves: {@link StudioRunsTrainingTest}.
 */
class StudioRunsTest {

    @TempDir
    Path root;

    private StudioHttp http;

    @BeforeEach
    void serve() throws IOException {
        Files.createDirectories(root.resolve("runs"));
        http = StudioHttp.serve(root);
    }

    @AfterEach
    void stop() {
        http.close();
    }

    @Test
    void everyRunFolderIsListedWithItsStatusAndFigures() throws IOException, InterruptedException {
        Path finished = run("finished", 2.5, 2.8);
        summarise(finished, RunSummary.ExitReason.COMPLETED);
        checkpoint(finished, 1, 2);
        pointers(finished, "step-0000002", "step-0000001");
        summarise(run("interrupted", 3.0, 3.1), RunSummary.ExitReason.INTERRUPTED);
        Files.writeString(Files.createDirectories(root.resolve("runs/fresh")).resolve("config.yaml"), "train: {max_steps: 3}\n");
        run("crashed", 2.0, 2.2); // a history, no summary, nobody training: killed
        Files.createDirectories(root.resolve("runs/notes")); // no config, no history: not a run
        Path training = run("training", 1.5, 1.9);

        Map<String, JsonNode> rows = new HashMap<>();
        try (RunLock lock = RunLock.acquire(training)) {
            for (JsonNode row : http.get("/api/runs").ok().get("runs")) {
                rows.put(row.get("name").asString(), row);
            }
        }

        assertEquals(Map.of("finished", "finished", "interrupted", "interrupted", "fresh", "new", "crashed", "stopped", "training", "running"),
                Map.of("finished", status(rows, "finished"), "interrupted", status(rows, "interrupted"), "fresh", status(rows, "fresh"),
                        "crashed", status(rows, "crashed"), "training", status(rows, "training")));
        assertFalse(rows.containsKey("notes"));
        assertEquals(ProcessHandle.current().pid(), rows.get("training").get("trainer_pid").asLong());
        JsonNode row = rows.get("finished");
        assertEquals(2, row.get("steps").asLong());
        assertEquals(2.8, row.get("best_val_loss").asDouble(), 1e-12);
        assertEquals(1, row.get("best_val_step").asLong());
        assertEquals(2.5, row.get("last_loss").asDouble(), 1e-12);
        JsonNode checkpoints = row.get("checkpoints");
        assertEquals(2, checkpoints.size());
        assertEquals("step-0000001", checkpoints.get(0).get("name").asString());
        assertTrue(checkpoints.get(0).get("best").asBoolean() && !checkpoints.get(0).get("latest").asBoolean());
        assertTrue(checkpoints.get(1).get("latest").asBoolean() && !checkpoints.get(1).get("best").asBoolean());
        assertEquals(0, rows.get("fresh").get("steps").asLong());
        assertTrue(rows.get("fresh").get("best_val_loss").isNull());
    }

    @Test
    void aRunsDetailsHoldItsConfigSummaryAndHistory() throws IOException, InterruptedException {
        Path dir = run("done", 2.5, 2.8);
        summarise(dir, RunSummary.ExitReason.EARLY_STOPPED);

        JsonNode details = http.get("/api/runs/done").ok();

        assertEquals("finished", details.get("run").get("status").asString());
        assertTrue(details.get("config").asString().contains("max_steps: 2"), details.toString());
        assertEquals("early_stopped", details.get("summary").get("exit_reason").asString());
        assertEquals(List.of(1L, 2L), steps(details.get("history").get("steps")));
        assertEquals(3.0, details.get("history").get("steps").get(0).get("loss").asDouble(), 1e-12);
        assertEquals(List.of(1L, 2L), steps(details.get("history").get("evals")));
        assertFalse(details.get("has_log").asBoolean());
        assertEquals(404, http.get("/api/runs/done/log").status(), "the studio did not start it");
        assertEquals(404, http.get("/api/runs/absent").status());
    }

    @Test
    void theMetricsStreamSendsTheHistoryThenEachRecordAsItIsAppendedAndStatusChanges() throws Exception {
        Path dir = run("live", 2.5, 2.8);
        Path metrics = dir.resolve("metrics.jsonl");
        RunLock lock = RunLock.acquire(dir); // before the stream opens, so its first status is "running"
        try (StudioHttp.Events events = http.events("/api/runs/live/metrics")) {
            StudioHttp.Event status;
            JsonNode history;
            try {
                history = events.next("history").data();
                status = events.next("status");
                assertEquals("running", status.data().get("status").asString());

                append(metrics, step(3, 2.25) + step(4, 2.0).substring(0, 20)); // the last line is still being written
                JsonNode third = events.next("step").data();
                append(metrics, step(4, 2.0).substring(20) + "{\"type\":\"eval\",\"step\":4,\"loss\":2.4,\"wall_s\":1}\n");
                JsonNode fourth = events.next("step").data();
                JsonNode eval = events.next("eval").data();

                assertEquals(List.of(1L, 2L), steps(history.get("steps")));
                assertEquals(3, third.get("step").asLong());
                assertEquals(2.25, third.get("loss").asDouble(), 1e-12);
                assertEquals(4, fourth.get("step").asLong(), "the torn line is read whole once it is complete");
                assertEquals(2.0, fourth.get("loss").asDouble(), 1e-12);
                assertEquals(2.4, eval.get("loss").asDouble(), 1e-12);
            } finally {
                lock.close();
            }
            summarise(dir, RunSummary.ExitReason.COMPLETED);

            assertEquals("finished", events.next("status").data().get("status").asString());
        }
    }

    @Test
    void badStartsAreRefusedNamingWhatIsWrong() throws Exception {
        Path configs = Files.createDirectories(root.resolve("configs"));
        Files.writeString(configs.resolve("tiny.yaml"), "train: {max_steps: 3}\n");
        Files.writeString(Files.createDirectories(configs.resolve("experiments")).resolve("nested.yaml"), "seed: 1\n");

        assertEquals(List.of("tiny.yaml"), StudioHttp.JSON.convertValue(http.get("/api/configs").ok().get("configs"), List.class), "configs/*.yaml, not sub-folders");
        http.post("/api/runs", "{\"config\":\"tiny.yaml\",\"set\":[\"optim.lrr=0.1\"]}").assertError(400, "optim.lrr");
        Files.createSymbolicLink(root.resolve("elsewhere"), Path.of("/var")); // a folder outside the root, never written
        http.post("/api/runs", "{\"config\":\"tiny.yaml\",\"set\":[\"model.path=/etc\"]}").assertError(400, "model.path /etc lies outside");
        http.post("/api/runs", "{\"config\":\"tiny.yaml\",\"set\":[\"data.dataset=../datasets/demo\"]}").assertError(400, "data.dataset ../datasets/demo lies outside");
        http.post("/api/runs", "{\"config\":\"tiny.yaml\",\"set\":[\"data.cache_dir=elsewhere/tokens\"]}").assertError(400, "data.cache_dir elsewhere/tokens lies outside");
        http.post("/api/runs", "{\"config\":\"../secret.yaml\"}").assertError(400, "not one of configs");
        http.post("/api/runs", "{\"config\":\"tiny.yaml\",\"name\":\"a/b\"}").assertError(400, "plain folder name");
        http.post("/api/runs", "{\"config\":\"tiny.yaml\",\"name\":\"..\"}").assertError(400, "plain folder name");
        http.post("/api/runs", "{\"config\":\"tiny.yaml\",\"set\":[\"no equals sign\"]}").assertError(400, "KEY=VALUE");
        http.upload("/api/runs", "bad.yaml", "train: {max_steps: 3}\nsurprise: 1\n".getBytes(StandardCharsets.UTF_8)).assertError(400, "surprise");
        int tooBig = http.upload("/api/runs", "big.yaml", new byte[(int) StudioOptions.DEFAULT_UPLOAD_LIMIT + 10]).status();
        assertTrue(tooBig == 413 || tooBig == 400, "an upload over the limit: " + tooBig);
        StudioHttp.Answer climbing = http.get("/api/runs/..%2F..%2Fetc");
        assertTrue(climbing.status() == 400 || climbing.status() == 403 || climbing.status() == 404, climbing.body());
        Files.createDirectories(root.resolve("runs/idle"));
        Files.writeString(root.resolve("runs/idle/config.yaml"), "train: {max_steps: 3}\n");
        http.post("/api/runs/idle/stop").assertError(409, "not being trained");
        try (var files = Files.list(root.resolve("runs"))) {
            assertEquals(List.of("idle"), files.map(p -> p.getFileName().toString()).toList(), "no refused start created a run folder");
        }
    }

    // --- fixtures: run folders as training writes them ---

    /** A run folder with a config and a history of two steps (losses 3.0, then {@code last}) and evals at steps 1 and 2. */
    private Path run(String name, double last, double bestEval) throws IOException {
        Path dir = Files.createDirectories(root.resolve("runs").resolve(name));
        Files.writeString(dir.resolve("config.yaml"), "train:\n  max_steps: 2\n");
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"type\":\"start\",\"from_step\":0,\"total_steps\":2,\"wall_s\":0.01}\n"
                + step(1, 3.0) + "{\"type\":\"eval\",\"step\":1,\"loss\":" + bestEval + ",\"wall_s\":0.5}\n"
                + step(2, last) + "{\"type\":\"eval\",\"step\":2,\"loss\":" + (bestEval + 0.5) + ",\"wall_s\":0.9}\n");
        return dir;
    }

    private static String step(long step, double loss) {
        return "{\"type\":\"step\",\"step\":" + step + ",\"epoch\":0,\"loss\":" + loss + ",\"tokens_per_s\":100.0,\"step_s\":0.1,\"wall_s\":" + step + "}\n";
    }

    private static void summarise(Path dir, RunSummary.ExitReason reason) throws IOException {
        Files.setLastModifiedTime(dir.resolve("metrics.jsonl"), FileTime.fromMillis(System.currentTimeMillis() - 1000));
        RunSummary.of(RunHistory.read(dir.resolve("metrics.jsonl")), reason).write(dir);
    }

    private static void checkpoint(Path dir, long... steps) throws IOException {
        for (long step : steps) {
            Files.writeString(Files.createDirectories(dir.resolve(String.format("checkpoints/step-%07d", step))).resolve("state.json"), "{}");
        }
    }

    private static void pointers(Path dir, String latest, String best) throws IOException {
        Files.writeString(dir.resolve("checkpoints/latest"), latest + "\n");
        Files.writeString(dir.resolve("checkpoints/best"), best + "\n");
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.APPEND);
    }

    private static String status(Map<String, JsonNode> rows, String name) {
        assertNotNull(rows.get(name), name + " is listed: " + rows.keySet());
        return rows.get(name).get("status").asString();
    }

    private static List<Long> steps(JsonNode points) {
        List<Long> steps = new ArrayList<>();
        points.forEach(p -> steps.add(p.get("step").asLong()));
        return steps;
    }
}
