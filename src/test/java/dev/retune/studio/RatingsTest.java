package dev.retune.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ratings file and its summary, without a server. */
class RatingsTest {

    @TempDir
    Path root;

    private final Comparisons.Stored comparison = new Comparisons.Stored("20261202-100000-000-beef", "2026-12-02T10:00:00Z", "piano", 3,
            new Sampling(1, 250, 0, 1, 3), true, List.of(new Comparisons.Clip("A", "runs/x@best"), new Comparisons.Clip("B", "models/base")),
            false);

    @Test
    void aLineIsAppendedAfterWhatTheFileHoldsAndNeverRewritesIt() throws Exception {
        Ratings ratings = new Ratings(new Roots(root));
        Path file = Files.createDirectories(root.resolve("ratings")).resolve("studio.jsonl");
        String earlier = "{\"comparison\":\"old\",\"sources\":{\"A\":\"models/base\"},\"scores\":{\"A\":2},\"preferred\":\"A\"}\n";
        Files.writeString(file, earlier);

        ratings.append(null, comparison, Map.of("A", 5), "A", null);

        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertEquals(earlier.strip(), lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"comparison\":\"20261202-100000-000-beef\",\"prompt\":\"piano\",\"seed\":3,"), lines.get(1));
        Map<String, Object> summary = ratings.summary(null);
        assertEquals(2L, summary.get("lines"));
        @SuppressWarnings("unchecked")
        List<Ratings.SourceSummary> sources = (List<Ratings.SourceSummary>) summary.get("sources");
        assertEquals(new Ratings.SourceSummary("runs/x@best", 1, 5.0, null, null, null, 1), sources.get(0), "n = 1: a mean, no interval");
        assertEquals(new Ratings.SourceSummary("models/base", 1, 2.0, null, null, null, 1), sources.get(1));
    }

    @Test
    void theIntervalIsTheMeanPlusOrMinus196SampleStandardDeviationsOverRootN() {
        // scores 2, 4, 4, 5: mean 3.75, sample variance (3.0625 + 0.0625 + 0.0625 + 1.5625) / 3 = 1.5833...
        Ratings.SourceSummary summary = Ratings.summarize("s", 4, 15, 61, 0);
        double half = 1.96 * Math.sqrt(4.75 / 3) / 2;
        assertEquals(3.75, summary.mean(), 1e-12);
        assertEquals(3.75 - half, summary.low(), 1e-12);
        assertEquals(3.75 + half, summary.high(), 1e-12);
        assertEquals(new Ratings.SourceSummary("s", 0, null, null, null, null, 2), Ratings.summarize("s", 0, 0, 0, 2));
    }

    @Test
    void badSubmissionsAreRefusedNamingTheFieldAndWriteNothing() {
        Ratings ratings = new Ratings(new Roots(root));
        assertEquals("ratings.B must be 1 to 5, found 0",
                assertThrows(StudioException.class, () -> ratings.append(null, comparison, Map.of("B", 0), null, null)).getMessage());
        assertTrue(assertThrows(StudioException.class, () -> ratings.append(null, comparison, Map.of(), "C", null)).getMessage().startsWith("preferred:"));
        assertTrue(assertThrows(StudioException.class, () -> ratings.append(null, comparison, Map.of(), null, null)).getMessage().startsWith("ratings is empty"));
        assertTrue(assertThrows(StudioException.class, () -> ratings.append("../x", comparison, Map.of("A", 3), null, null)).getMessage().startsWith("set must"));
        assertTrue(Files.notExists(root.resolve("ratings")));
    }
}
