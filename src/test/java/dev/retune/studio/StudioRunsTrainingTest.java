package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Real {@code retune train} processes started and stopped from the API, in a root laid out as the project's (configs/,
 * datasets/demo, models/ created by the first run): a long run followed live and stopped with SIGTERM, then a 20-step
 * run of an uploaded config followed to the end.
 */
class StudioRunsTrainingTest {

    @TempDir
    Path root;

    private StudioHttp http;
    private final List<Long> pids = new ArrayList<>();

    @BeforeEach
    void aRootWithADemoConfig() throws IOException {
        StudioRoots.demo20Config(root, new ModelConfig("models/tiny", ModelConfig.Preset.TINY, 0L));
        http = StudioHttp.serve(root);
    }

    @AfterEach
    void noProcessIsLeftBehind() throws Exception {
        http.close();
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().join();
            });
        }
    }

    @Test
    void aRunStartedFromThePageIsFollowedLiveStoppedWithACheckpointAndAShortOneRunsToTheEnd() throws Exception {
        JsonNode started = start("{\"config\":\"demo20.yaml\",\"name\":\"long\",\"set\":[\"train.max_steps=1000\",\"eval.every=1000\"]}");
        long pid = started.get("pid").asLong();
        pids.add(pid);
        assertEquals("long", started.get("name").asString());

        http.post("/api/runs", "{\"config\":\"demo20.yaml\",\"name\":\"long\"}").assertError(409, "being trained");
        try (StudioHttp.Events events = http.events("/api/runs/long/metrics", 180)) {
            assertEquals("running", events.next("status").data().get("status").asString());
            JsonNode step = events.next("step").data();
            assertTrue(step.get("step").asLong() >= 1 && step.get("loss").isNumber(), step.toString());
            JsonNode row = row("long");
            assertEquals("running", row.get("status").asString());
            assertEquals(pid, row.get("trainer_pid").asLong(), "the process the studio started holds the run's lock");
            http.post("/api/runs", "{\"config\":\"demo20.yaml\",\"name\":\"long\"}").assertError(409, "being trained");

            StudioHttp.Answer stop = http.post("/api/runs/long/stop");

            assertEquals(200, stop.status(), stop.body());
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(60, TimeUnit.SECONDS).join());
            assertEquals("interrupted", events.next("status").data().get("status").asString());
        }
        JsonNode long_ = http.get("/api/runs/long").ok();
        assertEquals("interrupted", long_.get("summary").get("exit_reason").asString());
        JsonNode checkpoints = long_.get("run").get("checkpoints");
        assertFalse(checkpoints.isEmpty(), "SIGTERM keeps a checkpoint: " + long_);
        assertTrue(checkpoints.get(checkpoints.size() - 1).get("latest").asBoolean());
        assertEquals(long_.get("run").get("steps").asLong(), checkpoints.get(checkpoints.size() - 1).get("step").asLong());
        assertTrue(http.get("/api/runs/long/log").ok().get("lines").size() > 0, "the process's output went to its studio log");

        StudioHttp.Answer uploaded = http.upload("/api/runs", "demo20.yaml", Files.readAllBytes(root.resolve("configs/demo20.yaml")));
        assertEquals(201, uploaded.status(), uploaded.body());
        JsonNode short_ = uploaded.json();
        pids.add(short_.get("pid").asLong());
        assertEquals("demo20", short_.get("name").asString(), "the uploaded config's default run name");
        try (var configs = Files.list(root.resolve("configs"))) {
            assertEquals(1, configs.count(), "the upload is kept in a temporary folder, not among the user's configs");
        }
        List<Long> steps = new ArrayList<>();
        try (StudioHttp.Events events = http.events("/api/runs/demo20/metrics", 180)) {
            assertEquals("running", events.next("status").data().get("status").asString());
            String status = "running";
            while (status.equals("running")) {
                StudioHttp.Event event = events.next("step", "status");
                if (event.name().equals("step")) {
                    steps.add(event.data().get("step").asLong());
                } else {
                    status = event.data().get("status").asString();
                }
            }
            assertEquals("finished", status);
        }
        assertFalse(steps.isEmpty(), "step events arrived while it trained");
        assertEquals(20, steps.get(steps.size() - 1));
        JsonNode row = row("demo20");
        assertEquals("finished", row.get("status").asString());
        assertEquals(20, row.get("steps").asLong());
        assertTrue(row.get("best_val_loss").isNumber() && row.get("best_val_step").asLong() % 5 == 0, row.toString());
        assertTrue(Files.isRegularFile(root.resolve("runs/demo20/summary.json")));
    }

    private JsonNode start(String json) throws IOException, InterruptedException {
        StudioHttp.Answer response = http.post("/api/runs", json);
        assertEquals(201, response.status(), response.body());
        return response.json();
    }

    private JsonNode row(String name) throws IOException, InterruptedException {
        for (JsonNode row : http.get("/api/runs").ok().get("runs")) {
            if (row.get("name").asString().equals(name)) {
                return row;
            }
        }
        throw new AssertionError(name + " is not listed");
    }
}
