package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.experiment.Experiment;
import dev.retune.run.RunHistory;
import dev.retune.run.RunSummary;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The Experiments tab's API over a real experiment (2 tiny models × 1 prompt × 1 sample of 0.5 s, run by
 * {@link Experiment#run}) and an unfinished one: the list, the gallery, and its audio served by URL.
 */
class StudioExperimentsTest {

    @TempDir
    static Path root;

    private static StudioHttp http;

    @BeforeAll
    static void anExperimentOfTwoTinyModels() throws Exception {
        StudioRoots.tinyModels(root, "tiny-1", "tiny-2");
        assertTrue(StudioRoots.pairExperiment(root, "tiny-1", "tiny-2", 0.5).finished());
        // One stopped half-way: its samples log only.
        Path partial = Files.createDirectories(root.resolve("experiments/partial"));
        Files.writeString(partial.resolve("samples.jsonl"), Files.readAllLines(root.resolve("experiments/pair/samples.jsonl")).get(0) + "\n");
        sweepFolder(root.resolve("sweeps/grid"));
        http = StudioHttp.serve(root);
    }

    @AfterAll
    static void stop() {
        http.close();
    }

    /** A sweep's folder as `retune sweep` leaves it: one run finished, one killed, the report files. */
    private static void sweepFolder(Path sweep) throws Exception {
        String history = "{\"type\":\"start\",\"from_step\":0}\n{\"type\":\"step\",\"step\":1,\"loss\":3.5}\n"
                + "{\"type\":\"eval\",\"step\":1,\"loss\":3.25}\n";
        for (String run : new String[] {"a-1", "b-1"}) {
            Path dir = Files.createDirectories(sweep.resolve(run));
            Files.writeString(dir.resolve("config.yaml"), "train: {max_steps: 1}\n");
            Files.writeString(dir.resolve("metrics.jsonl"), history);
        }
        Files.setLastModifiedTime(sweep.resolve("a-1/metrics.jsonl"), FileTime.fromMillis(System.currentTimeMillis() - 1000));
        RunSummary.of(RunHistory.read(sweep.resolve("a-1/metrics.jsonl")),
                RunSummary.ExitReason.COMPLETED).write(sweep.resolve("a-1"));
        Files.writeString(sweep.resolve("sweep.json"), "{\"sweep\":\"grid.yaml\",\"variants\":[{\"variant\":\"a\",\"runs\":1,"
                + "\"best_val_loss\":{\"mean\":3.25,\"std\":\"NaN\",\"n\":1}}],\"runs\":[]}\n");
        Files.writeString(sweep.resolve("report.md"), "# Sweep grid\n");
        Files.write(sweep.resolve("curves.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    }

    @Test
    void aSweepIsListedAndItsGalleryHoldsItsRunsVariantsAndPlots() throws Exception {
        JsonNode gallery = http.get("/api/experiments/sweep/grid").ok();

        assertTrue(gallery.get("finished").asBoolean());
        JsonNode runs = gallery.get("runs");
        assertEquals(2, runs.size(), runs.toString());
        assertEquals("a-1", runs.get(0).get("run").get("name").asString());
        assertEquals("finished", runs.get(0).get("run").get("status").asString());
        assertEquals(3.25, runs.get(0).get("run").get("best_val_loss").asDouble(), 1e-12);
        assertEquals("stopped", runs.get(1).get("run").get("status").asString(), "a history, no summary, nobody training it");
        assertEquals("a", gallery.get("variants").get(0).get("variant").asString());
        JsonNode plot = gallery.get("plots").get(0);
        assertEquals("curves.png", plot.get("name").asString());
        assertEquals(200, http.bytes(plot.get("url").asString()).statusCode());
        assertEquals("/files/sweeps/grid/report.md", gallery.get("reports").get("md").asString());
    }

    @Test
    void experimentsAreListedWithTheirStateAndSampleCount() throws Exception {
        JsonNode list = http.get("/api/experiments").ok().get("experiments");

        assertEquals(3, list.size(), list.toString());
        JsonNode sweep = list.get(0); // the newest
        assertEquals("sweep", sweep.get("kind").asString());
        assertEquals("grid", sweep.get("name").asString());
        assertEquals(2, sweep.get("items").asInt(), "its two run folders");
        for (JsonNode entry : list) {
            if (entry.get("kind").asString().equals("sweep")) {
                continue;
            }
            assertEquals("experiment", entry.get("kind").asString());
            boolean pair = entry.get("name").asString().equals("pair");
            assertEquals(pair, entry.get("finished").asBoolean(), entry.toString());
            assertEquals(pair ? 2 : 1, entry.get("items").asInt(), entry.toString());
        }
    }

    @Test
    void theGalleryGroupsSamplesByConfigurationWithStatisticsAndServesTheirAudio() throws Exception {
        JsonNode gallery = http.get("/api/experiments/experiment/pair").ok();
        Map<String, Long> seeds = new HashMap<>();
        StudioHttp.JSON.readTree(root.resolve("experiments/pair/experiment.json").toFile()).get("samples")
                .forEach(s -> seeds.put(s.get("id").asString(), s.get("seed").asLong()));

        assertTrue(gallery.get("finished").asBoolean());
        JsonNode configurations = gallery.get("configurations");
        assertEquals(2, configurations.size());
        Set<String> sources = new HashSet<>();
        for (JsonNode configuration : configurations) {
            sources.add(configuration.get("source").asString());
            assertEquals("short", configuration.get("parameter_set").asString());
            assertEquals("calm", configuration.get("prompt_set").asString());
            JsonNode sample = configuration.get("samples").get(0);
            assertEquals("soft piano", sample.get("prompt").asString());
            assertEquals(Long.toString(seeds.get(sample.get("id").asString())), sample.get("seed").asString(), "all 64 bits, as text");
            assertEquals(1, configuration.get("statistics").get("lufs").get("n").asInt());
            assertEquals(sample.get("metrics").get("lufs").asDouble(), configuration.get("statistics").get("lufs").get("mean").asDouble(), 1e-9);
            HttpResponse<byte[]> audio = http.bytes(sample.get("audio").asString());
            assertEquals(200, audio.statusCode(), sample.toString());
            assertTrue(audio.headers().firstValue("Content-Type").orElse("").startsWith("audio/"), audio.headers().toString());
            assertEquals("RIFF", new String(audio.body(), 0, 4, StandardCharsets.US_ASCII));
        }
        assertEquals(Set.of("one", "two"), sources);
        assertTrue(gallery.get("reports").get("html").asString().endsWith("/files/experiments/pair/report.html"), gallery.get("reports").toString());
        assertEquals(200, http.bytes(gallery.get("reports").get("md").asString()).statusCode());
        for (JsonNode plot : gallery.get("plots")) {
            assertEquals(200, http.bytes(plot.get("url").asString()).statusCode(), plot.toString());
        }
    }

    @Test
    void anUnfinishedExperimentShowsTheSamplesDoneAndUnknownOnesAreRefused() throws Exception {
        JsonNode partial = http.get("/api/experiments/experiment/partial").ok();

        assertFalse(partial.get("finished").asBoolean());
        assertEquals(1, partial.get("configurations").size());
        assertTrue(partial.get("configurations").get(0).get("statistics").isNull());
        assertEquals(404, http.get("/api/experiments/experiment/absent").status());
        assertEquals(404, http.get("/api/experiments/other/pair").status());
        int climbing = http.get("/api/experiments/experiment/..").status();
        assertTrue(climbing == 400 || climbing == 403 || climbing == 404, "status " + climbing);
    }
}
