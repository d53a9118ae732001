package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.train.DemoSubset;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

    private Studio studio;
    private StudioRunsHttp http;
    private final List<Long> pids = new ArrayList<>();

    @BeforeEach
    void aRootWithADemoConfig() throws IOException {
        DemoSubset.copyTo(root.resolve("datasets/demo"));
        Path configs = Files.createDirectories(root.resolve("configs"));
        // configs/demo.yaml, cut down: paths relative to the root, as the studio's processes run there.
        Files.writeString(configs.resolve("demo20.yaml"), String.join("\n",
                "model: {path: models/tiny, preset: tiny, seed: 0}",
                "data: {dataset: datasets/demo, segment_seconds: 1, batch_size: 2, cache_dir: .retune-cache/tokens}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant}",
                "train: {max_steps: 20, cfg_dropout_p: 0.0, seed: 42}",
                "eval: {every: 5}",
                "checkpoint: {every: 10, keep_last: 2}",
                ""));
        studio = Studio.start(StudioOptions.local(root, 0));
        http = new StudioRunsHttp(studio);
    }

    @AfterEach
    void noProcessIsLeftBehind() throws Exception {
        studio.close();
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

        StudioRunsHttp.assertError(409, "being trained", http.post("{\"config\":\"demo20.yaml\",\"name\":\"long\"}"));
        try (StudioRunsHttp.Events events = http.new Events("/api/runs/long/metrics", 180)) {
            assertEquals("running", events.next("status").data().get("status").asString());
            JsonNode step = events.next("step").data();
            assertTrue(step.get("step").asLong() >= 1 && step.get("loss").isNumber(), step.toString());
            JsonNode row = row("long");
            assertEquals("running", row.get("status").asString());
            assertEquals(pid, row.get("trainer_pid").asLong(), "the process the studio started holds the run's lock");
            StudioRunsHttp.assertError(409, "being trained", http.post("{\"config\":\"demo20.yaml\",\"name\":\"long\"}"));

            HttpResponse<String> stop = http.request("POST", "/api/runs/long/stop", HttpRequest.BodyPublishers.noBody(), null);

            assertEquals(200, stop.statusCode(), stop.body());
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(60, TimeUnit.SECONDS).join());
            assertEquals("interrupted", events.next("status").data().get("status").asString());
        }
        JsonNode long_ = http.get("/api/runs/long");
        assertEquals("interrupted", long_.get("summary").get("exit_reason").asString());
        JsonNode checkpoints = long_.get("run").get("checkpoints");
        assertFalse(checkpoints.isEmpty(), "SIGTERM keeps a checkpoint: " + long_);
        assertTrue(checkpoints.get(checkpoints.size() - 1).get("latest").asBoolean());
        assertEquals(long_.get("run").get("steps").asLong(), checkpoints.get(checkpoints.size() - 1).get("step").asLong());
        assertTrue(http.get("/api/runs/long/log").get("lines").size() > 0, "the process's output went to its studio log");

        HttpResponse<String> uploaded = http.upload("demo20.yaml", Files.readAllBytes(root.resolve("configs/demo20.yaml")));
        assertEquals(201, uploaded.statusCode(), uploaded.body());
        JsonNode short_ = StudioRunsHttp.JSON.readTree(uploaded.body());
        pids.add(short_.get("pid").asLong());
        assertEquals("demo20", short_.get("name").asString(), "the uploaded config's default run name");
        try (var configs = Files.list(root.resolve("configs"))) {
            assertEquals(1, configs.count(), "the upload is kept in a temporary folder, not among the user's configs");
        }
        List<Long> steps = new ArrayList<>();
        try (StudioRunsHttp.Events events = http.new Events("/api/runs/demo20/metrics", 180)) {
            assertEquals("running", events.next("status").data().get("status").asString());
            String status = "running";
            while (status.equals("running")) {
                StudioRunsHttp.Event event = events.next("step", "status");
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
        HttpResponse<String> response = http.post(json);
        assertEquals(201, response.statusCode(), response.body());
        return StudioRunsHttp.JSON.readTree(response.body());
    }

    private JsonNode row(String name) throws IOException, InterruptedException {
        for (JsonNode row : http.get("/api/runs").get("runs")) {
            if (row.get("name").asString().equals(name)) {
                return row;
            }
        }
        throw new AssertionError(name + " is not listed");
    }
}
