package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.DeviceConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The generation queue over real HTTP: one job runs, at most the queue limit wait, cancelling, and the event stream. */
class StudioGenerateQueueTest {

    @TempDir
    static Path root;

    private static Studio studio;
    private static StudioGenerateSupport http;

    @BeforeAll
    static void start() {
        StudioGenerateSupport.tinyModel(root, "tiny", 4);
        studio = Studio.start(new StudioOptions(StudioOptions.DEFAULT_HOST, 0, root, null, DeviceConfig.Kind.AUTO, 1,
                StudioOptions.DEFAULT_UPLOAD_LIMIT));
        http = new StudioGenerateSupport(studio);
    }

    @AfterAll
    static void stop() {
        studio.close();
    }

    @Test
    void withAQueueOfOneAThirdJobIs429AndCancelledJobsMakeRoom() throws Exception {
        String oneItem = "{\"source\": \"models/tiny\", \"prompts\": [\"pad\"], \"duration\": 0.5, \"seed\": 1}";
        String running = http.post("/api/generate", "{\"source\": \"models/tiny\", \"prompts\": [\"long\"], \"duration\": 0.5, \"variations\": 60}")
                .json().get("id").asString();
        StudioGenerateSupport.Answer waiting = http.post("/api/generate", oneItem);
        assertEquals(202, waiting.status());
        assertEquals("queued", waiting.json().get("state").asString());

        StudioGenerateSupport.Answer third = http.post("/api/generate", oneItem);
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
        HttpRequest request = HttpRequest.newBuilder(http.uri("/api/events")).header("Accept", "text/event-stream").GET().build(); // as EventSource asks
        HttpResponse<Stream<String>> stream = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
        List<String> events = new ArrayList<>();
        CompletableFuture<String> id = new CompletableFuture<>();
        CompletableFuture<JsonNode> item = CompletableFuture.supplyAsync(() -> {
            Iterator<String> lines = stream.body().iterator();
            String event = null;
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("event: ")) {
                    event = line.substring("event: ".length());
                    events.add(event);
                } else if (line.startsWith("data: ") && "item".equals(event)) {
                    JsonNode data = JsonMapper.shared().readTree(line.substring("data: ".length()));
                    if (data.get("job").asString().equals(id.join())) { // not the other test's job
                        return data;
                    }
                }
            }
            throw new AssertionError("the stream ended after " + events);
        });
        Thread.sleep(200); // connected before the job starts
        id.complete(http.post("/api/generate", "{\"source\": \"models/tiny\", \"prompts\": [\"hum\"], \"duration\": 0.5, \"seed\": 3}")
                .json().get("id").asString());

        JsonNode finished = item.get(2, TimeUnit.MINUTES);
        stream.body().close();


        assertEquals(3, finished.get("item").get("seed").asLong());
        assertTrue(finished.get("item").get("url").asString().startsWith("/files/studio/generations/" + id.get() + "/"), finished.toString());
        assertEquals("jobs", events.get(0), "a snapshot of every job first");
        assertTrue(events.contains("job"), events.toString());
    }
}
