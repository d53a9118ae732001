package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.DeviceConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The generation queue over real HTTP: one job runs, at most the queue limit wait, cancelling, and the event stream. */
class StudioGenerateQueueTest {

    @TempDir
    static Path root;

    private static StudioHttp http;

    @BeforeAll
    static void start() {
        StudioRoots.tinyModels(root, "tiny");
        http = StudioHttp.serve(new StudioOptions(StudioOptions.DEFAULT_HOST, 0, root, null, DeviceConfig.Kind.AUTO, 1,
                StudioOptions.DEFAULT_UPLOAD_LIMIT));
    }

    @AfterAll
    static void stop() {
        http.close();
    }

    @Test
    void withAQueueOfOneAThirdJobIs429AndCancelledJobsMakeRoom() throws Exception {
        String oneItem = "{\"source\": \"models/tiny\", \"prompts\": [\"pad\"], \"duration\": 0.5, \"seed\": 1}";
        String running = http.post("/api/generate", "{\"source\": \"models/tiny\", \"prompts\": [\"long\"], \"duration\": 0.5, \"variations\": 60}")
                .json().get("id").asString();
        StudioHttp.Answer waiting = http.post("/api/generate", oneItem);
        assertEquals(202, waiting.status());
        assertEquals("queued", waiting.json().get("state").asString());

        StudioHttp.Answer third = http.post("/api/generate", oneItem);
        assertEquals(429, third.status(), third.json().toString());
        assertTrue(third.json().get("error").asString().contains("queue is full"), third.json().toString());

        JsonNode cancelled = http.post("/api/jobs/" + waiting.json().get("id").asString() + "/cancel", "").json();
        assertEquals("cancelled", cancelled.get("state").asString());
        assertEquals(0, cancelled.get("done").asInt());
        assertEquals(202, http.post("/api/generate", oneItem).status(), "the cancelled job made room");
        assertEquals(409, http.post("/api/jobs/" + waiting.json().get("id").asString() + "/cancel", "").status());

        assertTrue(http.post("/api/jobs/" + running + "/cancel", "").json().get("cancel_requested").asBoolean());
        JsonNode stopped = http.awaitJob(running);
        assertEquals("cancelled", stopped.get("state").asString());
        assertTrue(stopped.get("done").asInt() < 60, "stopped between items: " + stopped.get("done"));
        assertEquals(404, http.get("/api/jobs/nothing").status());
    }

    @Test
    void theEventStreamTellsEachJobsStatesAndFinishedItems() throws Exception {
        JsonNode finished;
        List<String> events;
        String id;
        try (StudioHttp.Events stream = http.events("/api/events", 120)) {
            Thread.sleep(200); // connected before the job starts
            id = http.post("/api/generate", "{\"source\": \"models/tiny\", \"prompts\": [\"hum\"], \"duration\": 0.5, \"seed\": 3}")
                    .json().get("id").asString();
            do {
                finished = stream.next("item").data();
            } while (!finished.get("job").asString().equals(id)); // not the other test's job
            events = stream.names();
        }

        assertEquals(3, finished.get("item").get("seed").asLong());
        assertTrue(finished.get("item").get("url").asString().startsWith("/files/studio/generations/" + id + "/"), finished.toString());
        assertEquals("jobs", events.get(0), "a snapshot of every job first");
        assertTrue(events.contains("job"), events.toString());
    }
}
