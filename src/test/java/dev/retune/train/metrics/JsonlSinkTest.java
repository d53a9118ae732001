package dev.retune.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.run.RunException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
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
    void appendToAddsASegmentAfterEverythingThereWithAStartRecord() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.appendTo(file)) {
            sink.start(10, 0);
            for (long s = 1; s <= 6; s++) {
                sink.step(step(s, false));
            }
        }
        List<String> before = Files.readAllLines(file);

        try (JsonlSink sink = JsonlSink.appendTo(file)) {
            sink.start(10, 4);
            sink.step(step(5, false));
        }

        List<String> after = Files.readAllLines(file);
        assertEquals(before, after.subList(0, before.size()), "nothing that was there changes");
        List<JsonNode> added = after.subList(before.size(), after.size()).stream().map(MAPPER::readTree).toList();
        assertEquals("start", added.get(0).get("type").asString());
        assertEquals(4, added.get(0).get("from_step").longValue());
        assertEquals(10, added.get(0).get("total_steps").longValue());
        assertEquals(5, added.get(1).get("step").longValue());
        assertTrue(added.get(1).get("wall_s").isNumber(), added.get(1).toString());
    }

    @Test
    void appendToEndsALineTornByACrashBeforeItsFirstRecord() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (JsonlSink sink = JsonlSink.appendTo(file)) {
            sink.step(step(1, false));
        }
        Files.writeString(file, "{\"type\":\"step\",\"ste", StandardOpenOption.APPEND);

        try (JsonlSink sink = JsonlSink.appendTo(file)) {
            sink.start(5, 1);
            sink.step(step(2, false));
        }

        List<String> lines = Files.readAllLines(file);
        assertEquals(4, lines.size(), lines.toString());
        assertEquals("{\"type\":\"step\",\"ste", lines.get(1), "the torn line is kept as it was");
        assertEquals("start", MAPPER.readTree(lines.get(2)).get("type").asString());
        assertEquals(2, MAPPER.readTree(lines.get(3)).get("step").longValue());
    }

    @Test
    void appendToAFolderThatCannotHoldTheFileNamesItAndCreatesNothing() {
        Path file = dir.resolve("missing-folder").resolve("metrics.jsonl");

        RunException e = assertThrows(RunException.class, () -> JsonlSink.appendTo(file));

        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(Files.exists(file));
    }
}
