package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Blind comparisons and ratings over real HTTP, with two tiny models in a temporary root. */
class StudioCompareTest {

    @TempDir
    static Path root;

    private static StudioHttp http;

    @BeforeAll
    static void start() {
        StudioRoots.tinyModels(root, "tiny", "other");
        http = StudioHttp.serve(root);
    }

    @AfterAll
    static void stop() {
        http.close();
    }

    @Test
    void aBlindComparisonHidesItsSourcesUntilRatedAndEachRatingAppendsOneLine() throws Exception {
        StudioHttp.Answer created = http.post("/api/comparisons", """
                {"prompt": "slow piano", "seed": 11, "duration": 0.5, "sources": ["models/tiny", "models/other"], "blind": true}""");
        assertEquals(202, created.status(), created.json().toString());
        String id = created.json().get("id").asString();
        assertFalse(created.json().toString().contains("models/"), "no source is named: " + created.json());
        http.awaitJob(id);

        JsonNode comparison = http.get("/api/comparisons/" + id).json();
        assertEquals("done", comparison.get("state").asString());
        assertFalse(comparison.toString().contains("models/"), comparison.toString());
        assertFalse(http.get("/api/jobs/" + id).json().toString().contains("models/"), "nor in the job's view");
        assertEquals(List.of("A", "B"), labels(comparison));
        for (JsonNode clip : comparison.get("clips")) {
            assertTrue(clip.get("source").isNull());
            assertFalse(clip.get("parameters").has("source"));
            assertEquals(11, clip.get("seed").asLong(), "the same seed through each source");
            assertTrue(clip.get("url").asString().endsWith("/" + clip.get("label").asString() + ".wav"));
            assertEquals(200, http.bytes(clip.get("url").asString()).statusCode());
        }
        assertTrue(Files.isRegularFile(root.resolve("studio/comparisons/" + id + ".json")));
        assertTrue(Files.isRegularFile(root.resolve("studio/comparisons/" + id + "/A.wav.json")));
        for (String record : List.of(id + ".json", id + "/A.wav.json", id + "/B.wav.json")) {
            assertEquals(403, http.bytes("/files/studio/comparisons/" + record).statusCode(), record + " would unblind the rating");
        }

        Path lines = root.resolve("ratings/listening.jsonl");
        assertFalse(Files.exists(lines));
        StudioHttp.Answer rated = http.post("/api/comparisons/" + id + "/ratings",
                "{\"ratings\": {\"A\": 4, \"B\": 2}, \"preferred\": \"A\", \"rater\": \"ann\", \"set\": \"listening\"}");
        assertEquals(200, rated.status(), rated.json().toString());
        assertEquals(1, Files.readAllLines(lines).size());
        Set<String> revealed = new HashSet<>();
        rated.json().get("comparison").get("clips").forEach(clip -> revealed.add(clip.get("source").asString()));
        assertEquals(Set.of("models/tiny", "models/other"), revealed);
        String sourceOfA = rated.json().get("line").get("sources").get("A").asString();
        assertEquals(sourceOfA, rated.json().get("comparison").get("clips").get(0).get("source").asString());

        int before = Files.readAllLines(lines).size();
        http.post("/api/comparisons/" + id + "/ratings", "{\"ratings\": {\"A\": 5, \"B\": 1}, \"preferred\": \"B\", \"set\": \"listening\"}");
        assertEquals(before + 1, Files.readAllLines(lines).size());
        http.post("/api/comparisons/" + id + "/ratings", "{\"ratings\": {\"A\": 3, \"B\": 3}, \"preferred\": null, \"set\": \"listening\"}");
        http.post("/api/comparisons/" + id + "/ratings", "{\"ratings\": {\"A\": 5}, \"preferred\": \"A\", \"set\": \"listening\"}");
        assertEquals(before + 3, Files.readAllLines(lines).size());
        assertEquals(400, http.post("/api/comparisons/" + id + "/ratings", "{\"ratings\": {\"A\": 6}, \"set\": \"listening\"}").status());
        assertEquals(400, http.post("/api/comparisons/" + id + "/ratings", "{\"ratings\": {\"C\": 3}, \"set\": \"listening\"}").status());
        assertEquals(before + 3, Files.readAllLines(lines).size(), "a refused rating writes nothing");

        JsonNode summary = http.get("/api/ratings?set=listening").json();
        assertEquals(4, summary.get("lines").asInt());
        Map<String, List<Double>> expected = byHand(Files.readAllLines(lines));
        Map<String, List<Double>> found = byServer(summary);
        assertEquals(expected.keySet(), found.keySet());
        expected.forEach((source, values) -> {
            for (int i = 0; i < values.size(); i++) {
                assertEquals(values.get(i), found.get(source).get(i), 1e-12, source + " value " + i + " of [n, mean, low, high, preferred]");
            }
        });
    }

    @Test
    void anOpenComparisonNamesItsSourcesAndAComparisonNeedsTwoToFourDistinctSources() throws Exception {
        JsonNode open = http.post("/api/comparisons", """
                {"prompt": "bells", "seed": 2, "duration": 0.5, "sources": ["models/tiny", "models/other"]}""").json();
        assertEquals("models/tiny", open.get("clips").get(0).get("source").asString());
        assertEquals("models/other", open.get("clips").get(1).get("source").asString());
        http.awaitJob(open.get("id").asString());
        assertEquals(404, http.post("/api/comparisons/20990101-000000-000-abcd/ratings", "{\"ratings\": {\"A\": 3}}").status());
        assertEquals(404, http.get("/api/comparisons/..%2F..%2Fetc").status());

        for (String sources : List.of("[\"models/tiny\"]", "[\"models/tiny\", \"models/tiny\"]",
                "[\"models/tiny\", \"models/other\", \"models/tiny\", \"models/other\", \"models/tiny\"]")) {
            StudioHttp.Answer refused = http.post("/api/comparisons",
                    "{\"prompt\": \"bells\", \"duration\": 0.5, \"sources\": " + sources + "}");
            assertEquals(400, refused.status(), sources);
            assertTrue(refused.json().get("error").asString().startsWith("sources"), refused.json().toString());
        }
        assertEquals(403, http.post("/api/comparisons", "{\"prompt\": \"bells\", \"sources\": [\"models/tiny\", \"/etc\"]}").status());
    }

    private static List<String> labels(JsonNode comparison) {
        List<String> labels = new ArrayList<>();
        comparison.get("clips").forEach(clip -> labels.add(clip.get("label").asString()));
        return labels;
    }

    /** source → [n, mean, low, high, preferred], computed here from the file's lines. */
    private static Map<String, List<Double>> byHand(List<String> lines) {
        Map<String, List<Integer>> scores = new LinkedHashMap<>();
        Map<String, Integer> preferred = new LinkedHashMap<>();
        for (String text : lines) {
            JsonNode line = JsonMapper.shared().readTree(text);
            for (String label : line.get("sources").propertyNames()) {
                String source = line.get("sources").get(label).asString();
                scores.computeIfAbsent(source, s -> new ArrayList<>());
                preferred.putIfAbsent(source, 0);
                if (line.get("scores").has(label)) {
                    scores.get(source).add(line.get("scores").get(label).asInt());
                }
            }
            if (!line.get("preferred").isNull()) {
                preferred.merge(line.get("sources").get(line.get("preferred").asString()).asString(), 1, Integer::sum);
            }
        }
        Map<String, List<Double>> expected = new LinkedHashMap<>();
        scores.forEach((source, xs) -> {
            double n = xs.size();
            double mean = xs.stream().mapToDouble(x -> x).sum() / n;
            double variance = xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (n - 1);
            double half = 1.96 * Math.sqrt(variance) / Math.sqrt(n);
            expected.put(source, List.of(n, mean, mean - half, mean + half, (double) preferred.get(source)));
        });
        assertTrue(expected.values().stream().allMatch(v -> v.get(0) >= 3), "at least 3 ratings per source: " + expected);
        return expected;
    }

    private static Map<String, List<Double>> byServer(JsonNode summary) {
        Map<String, List<Double>> found = new LinkedHashMap<>();
        for (JsonNode source : summary.get("sources")) {
            found.put(source.get("source").asString(), List.of(source.get("n").asDouble(), source.get("mean").asDouble(),
                    source.get("low").asDouble(), source.get("high").asDouble(), source.get("preferred").asDouble()));
        }
        return found;
    }
}
