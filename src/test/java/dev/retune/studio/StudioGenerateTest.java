package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioFormat;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The Generate tab's API over real HTTP, generating with a tiny model in a temporary root. */
class StudioGenerateTest {

    @TempDir
    static Path root;
    @TempDir
    static Path outside;

    private static StudioHttp http;

    @BeforeAll
    static void start() {
        StudioRoots.tinyModels(root, "tiny");
        http = StudioHttp.serve(root);
    }

    @AfterAll
    static void stop() {
        http.close();
    }

    @Test
    void aJobGeneratesEachPromptAndVariationWithItsOwnSeedAndTheSameSeedGivesTheSameAudio() throws Exception {
        assertTrue(http.get("/api/sources").json().get("sources").toString().contains("\"spec\":\"models/tiny\""));

        StudioHttp.Answer accepted = http.post("/api/generate", """
                {"source": "models/tiny", "prompts": ["warm pad", "punchy drums"], "duration": 0.5, "top_k": 50,
                 "temperature": 1.0, "guidance_scale": 3.0, "seed": 7, "variations": 2}""");
        assertEquals(202, accepted.status(), accepted.json().toString());
        JsonNode job = http.awaitJob(accepted.json().get("id").asString());

        assertEquals("done", job.get("state").asString(), job.toString());
        assertEquals(4, job.get("done").asInt());
        List<String> prompts = new ArrayList<>();
        List<byte[]> audio = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            JsonNode item = job.get("items").get(i);
            prompts.add(item.get("prompt").asString());
            assertEquals(7 + i, item.get("seed").asLong(), "seed + item index, prompt-major");
            JsonNode parameters = item.get("parameters");
            assertEquals(7 + i, parameters.get("seed").asLong());
            assertEquals(0.5, parameters.get("duration").asDouble());
            assertEquals(25, parameters.get("frames").asInt(), "0.5 s at the tiny codec's 50 frames/s");
            assertEquals(50, parameters.get("top_k").asInt());
            assertEquals(3.0, parameters.get("cfg").asDouble());
            HttpResponse<byte[]> file = http.bytes(item.get("url").asString());
            assertEquals(200, file.statusCode());
            assertEquals("audio/wav", file.headers().firstValue("Content-Type").orElseThrow());
            Path copy = Files.write(outside.resolve("item-" + i + ".wav"), file.body());
            assertEquals(16_000, AudioDecoder.decode(copy, AudioFormat.MUSICGEN_MONO).frames(), 640, "0.5 s at 32 kHz, ± one codec frame");
            JsonNode metrics = item.get("metrics");
            assertEquals(0.5, metrics.get("seconds").asDouble(), 0.02);
            assertEquals(32_000, metrics.get("sample_rate").asInt());
            assertTrue(metrics.has("lufs") && metrics.has("spectral_centroid_hz") && metrics.has("tempo_bpm"), metrics.toString());
            audio.add(file.body());
        }
        assertEquals(List.of("warm pad", "warm pad", "punchy drums", "punchy drums"), prompts);
        Set<String> distinct = new HashSet<>();
        audio.forEach(bytes -> distinct.add(Arrays.toString(bytes)));
        assertEquals(4, distinct.size(), "each item has its own seed, so its own audio");
        String download = job.get("items").get(0).get("download_url").asString();
        assertTrue(http.bytes(download).headers().firstValue("Content-Disposition").orElseThrow().startsWith("attachment"));

        StudioHttp.Answer again = http.post("/api/generate", """
                {"source": "models/tiny", "prompts": ["punchy drums"], "duration": 0.5, "top_k": 50, "seed": 9}""");
        JsonNode repeated = http.awaitJob(again.json().get("id").asString());
        assertEquals("done", repeated.get("state").asString(), repeated.toString());
        assertArrayEquals(audio.get(2), http.bytes(repeated.get("items").get(0).get("url").asString()).body(),
                "item 2's seed (9) alone gives its audio again, byte for byte");

        JsonNode gallery = http.get("/api/generations?limit=1").json();
        assertEquals(1, gallery.get("items").size(), "the newest job, whole");
        assertEquals(repeated.get("id").asString(), gallery.get("items").get(0).get("job").asString());
        assertEquals(9, gallery.get("items").get(0).get("seed").asLong());
        assertNotNull(gallery.get("items").get(0).get("metrics").get("lufs"));
        JsonNode older = http.get("/api/generations?limit=10&before=" + gallery.get("next").asString()).json();
        assertEquals(4, older.get("items").size());
        assertTrue(older.get("next").isNull());
    }

    @Test
    void aSourceOutsideTheRootIsRefusedWith403() throws Exception {
        StudioRoots.tinyModels(outside, "elsewhere");
        Path elsewhere = outside.resolve("models/elsewhere");
        Path link = Files.createSymbolicLink(root.resolve("models").resolve("link"), elsewhere);
        try {
            refusedEverywhere(elsewhere);
        } finally {
            Files.delete(link);
        }
    }

    private static void refusedEverywhere(Path elsewhere) throws Exception {
        for (String source : List.of(elsewhere.toString(), root.resolve("models/tiny").toString(), "../" + root.relativize(elsewhere),
                "models/../../x", "models/link", "models/tiny+models/link")) {
            StudioHttp.Answer refused = http.post("/api/generate",
                    "{\"source\": \"" + source + "\", \"prompts\": [\"a\"], \"duration\": 0.5}");
            assertEquals(403, refused.status(), source + ": " + refused.json());
            assertTrue(refused.json().get("error").asString().startsWith("source: "), refused.json().toString());
        }
        assertFalse(http.get("/api/sources").json().toString().contains("elsewhere"));
    }

    @Test
    void aBadRequestIs400NamingTheField() throws Exception {
        String unknown = http.post("/api/generate", "{\"source\": \"models/tiny\", \"prompts\": [\"a\"], \"colour\": \"red\"}").json().get("error").asString();
        assertTrue(unknown.contains("colour"), unknown);
        for (String duration : List.of("0", "-1", "601", "\"long\"")) {
            StudioHttp.Answer bad = http.post("/api/generate",
                    "{\"source\": \"models/tiny\", \"prompts\": [\"a\"], \"duration\": " + duration + "}");
            assertEquals(400, bad.status(), duration);
            assertTrue(bad.json().get("error").asString().contains("duration"), bad.json().toString());
        }
        StudioHttp.Answer topP = http.post("/api/generate", "{\"source\": \"models/tiny\", \"prompts\": [\"a\"], \"top_p\": 2}");
        assertEquals(400, topP.status());
        assertTrue(topP.json().get("error").asString().startsWith("top_p must lie in [0, 1]"), topP.json().toString());
        StudioHttp.Answer blank = http.post("/api/generate", "{\"source\": \"models/tiny\", \"prompts\": [\"a\", \" \"]}");
        assertEquals("prompts[1] is blank; give the text of a prompt", blank.json().get("error").asString());
        StudioHttp.Answer missing = http.post("/api/generate", "{\"source\": \"models/none\", \"prompts\": [\"a\"]}");
        assertEquals(400, missing.status());
        assertTrue(missing.json().get("error").asString().startsWith("source: models/none does not exist"), missing.json().toString());
    }
}
