package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class JsonlSinkTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @TempDir
    Path dir;

    static StepMetrics step(long step, boolean skipped) {
        return new StepMetrics(step, 0, 4.0 - step * 0.01, new double[] {3.5, 4.5}, 1e-4,
                skipped ? Double.NaN : 1.25, 65536, skipped, 12_300, 0.5, 3L << 30);
    }

    private List<JsonNode> records(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(MAPPER::readTree).toList();
    }

    @Test
    void stepLinesCarryEveryKey() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.step(step(1, false));
        }

        JsonNode line = records(file).get(0);
        for (String key : List.of("type", "step", "epoch", "loss", "lr", "grad_norm", "loss_scale", "skipped",
                "tokens_per_s", "step_s", "native_mb", "ce", "ppl")) {
            assertTrue(line.has(key), "missing " + key + " in " + line);
        }
        assertEquals("step", line.get("type").asString());
        assertEquals(1, line.get("step").longValue());
        assertEquals(1.25, line.get("grad_norm").doubleValue());
        assertEquals(3072, line.get("native_mb").longValue());
        assertEquals(2, line.get("ce").size());
        assertEquals(Math.exp(3.5), line.get("ppl").get(0).doubleValue(), 1e-9);
    }

    @Test
    void skippedStepHasNullGradNorm() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.step(step(1, true));
        }

        JsonNode line = records(file).get(0);
        assertTrue(line.get("grad_norm").isNull());
        assertTrue(line.get("skipped").booleanValue());
    }

    @Test
    void evalAndMessageLines() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.eval(new EvalMetrics(10, 3.9, new double[] {3.0, Double.POSITIVE_INFINITY}, true, false));
            sink.message("checkpoint written");
        }

        List<JsonNode> lines = records(file);
        JsonNode eval = lines.get(0);
        assertEquals("eval", eval.get("type").asString());
        assertEquals(10, eval.get("step").longValue());
        assertTrue(eval.get("best").booleanValue());
        assertFalse(eval.get("ema").booleanValue());
        assertTrue(eval.get("ce").get(1).isNull(), "an infinite CE is written as null");
        assertEquals("message", lines.get(1).get("type").asString());
        assertEquals("checkpoint written", lines.get(1).get("text").asString());
    }

    @Test
    void everyLineIsOnDiskBeforeClose() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.step(step(1, false));
            sink.step(step(2, false));

            assertEquals(2, records(file).size());
        }
    }

    @Test
    void appendKeepsWhatIsThere() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.step(step(1, false));
        }
        try (JsonlSink sink = JsonlSink.open(file, true)) {
            sink.step(step(2, false));
        }
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.step(step(7, false));
        }

        List<JsonNode> lines = records(file);
        assertEquals(1, lines.size(), "append=false starts the file empty");
        assertEquals(7, lines.get(0).get("step").longValue());
    }

    @Test
    void streamModeWritesLinesAndLeavesTheStreamOpen() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonlSink sink = JsonlSink.toStream(out)) {
            sink.step(step(1, false));
            sink.message("hello");
        }

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size());
        assertEquals("hello", MAPPER.readTree(lines.get(1)).get("text").asString());
    }

    @Test
    void truncateAfterKeepsExactlyTheStepsUpToN() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.message("started");
            for (long s = 1; s <= 10; s++) {
                sink.step(step(s, s == 3));
                if (s % 4 == 0) {
                    sink.eval(new EvalMetrics(s, 3.0, new double[] {3.0}, false, false));
                    sink.message("checkpoint " + s);
                }
            }
            sink.message("interrupted");
        }
        Object before = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        JsonlSink.truncateAfter(file, 8);

        List<JsonNode> lines = records(file);
        List<Long> steps = lines.stream().filter(l -> l.get("type").asString().equals("step"))
                .map(l -> l.get("step").longValue()).toList();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps);
        assertEquals(2, lines.stream().filter(l -> l.get("type").asString().equals("eval")).count());
        assertEquals("checkpoint 8", lines.get(lines.size() - 1).get("text").asString());
        assertEquals("started", lines.get(0).get("text").asString());
        // Atomic: the file was replaced by a rename (a new inode), and no temp file is left behind.
        Object after = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        if (before != null) {
            assertNotEquals(before, after);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void resumeAppendsAfterTheCheckpointStep() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            for (long s = 1; s <= 6; s++) {
                sink.step(step(s, false));
            }
        }

        try (JsonlSink sink = JsonlSink.resume(file, 4)) {
            sink.step(step(5, false));
        }

        assertEquals(List.of(1L, 2L, 3L, 4L, 5L),
                records(file).stream().map(l -> l.get("step").longValue()).toList());
    }

    @Test
    void truncateAfterDropsATornLastLine() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.open(file, false)) {
            sink.step(step(1, false));
            sink.step(step(2, false));
        }
        Files.writeString(file, "{\"type\":\"step\",\"ste", StandardOpenOption.APPEND);

        JsonlSink.truncateAfter(file, 10);

        assertEquals(2, records(file).size());
    }

    @Test
    void truncateAfterRejectsACorruptMiddleLine() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"type\":\"step\",\"step\":1}\nnot json\n{\"type\":\"step\",\"step\":2}\n");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> JsonlSink.truncateAfter(file, 1));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
