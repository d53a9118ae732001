package dev.retune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.train.metrics.EvalMetrics;
import dev.retune.train.metrics.JsonlSink;
import dev.retune.train.metrics.StepMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RunSummaryTest {

    @TempDir
    Path run;

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void summaryHashesEveryOtherFile() throws Exception {
        byte[] config = "model: tiny\n".getBytes(StandardCharsets.UTF_8);
        byte[] weights = new byte[3 << 20];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (byte) (i * 31);
        }
        Files.write(run.resolve("config.yaml"), config);
        Files.createDirectories(run.resolve("checkpoints/step-100"));
        Files.write(run.resolve("checkpoints/step-100/model.safetensors"), weights);
        Files.writeString(run.resolve("summary.json"), "{\"stale\":true}");
        RunSummary summary = new RunSummary(100, 2, 3.25, 80, 3.4, 12.5, 2, 5000, 1, RunSummary.ExitReason.EARLY_STOPPED);

        summary.write(run);
        summary.write(run); // again: its own previous summary.json is still left out

        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(run.resolve("summary.json")));
        JsonNode files = json.get("files");
        assertEquals(2, files.size(), files.toString());
        assertEquals(sha256(config), files.get("config.yaml").asString());
        assertEquals(sha256(weights), files.get("checkpoints/step-100/model.safetensors").asString());
        assertFalse(files.has("summary.json"));
        assertEquals(100, json.get("steps").longValue());
        assertEquals(2, json.get("epochs").intValue());
        assertEquals(3.25, json.get("best_val_loss").doubleValue());
        assertEquals(80, json.get("best_val_step").longValue());
        assertEquals(1, json.get("skipped_steps").longValue());
        assertEquals("early_stopped", json.get("exit_reason").asString());
        try (var listing = Files.list(run)) {
            assertEquals(3, listing.count(), "no temp file is left");
        }
    }

    @Test
    void theFiguresDescribeEverySegmentOfTheRun() throws IOException {
        Path metrics = run.resolve("metrics.jsonl");
        try (JsonlSink first = JsonlSink.appendTo(metrics)) {
            first.start(10, 0);
            first.step(new StepMetrics(1, 0, 3.5, new double[] {3.5}, 1e-4, 1.0, 1, false, 1000, 1.0, 0));
            first.eval(new EvalMetrics(1, 2.9, new double[] {2.9}, true, false));
            first.step(new StepMetrics(2, 1, 3.0, new double[] {3.0}, 1e-4, 1.0, 1, false, 1000, 1.0, 0)); // lost: no checkpoint
            first.eval(new EvalMetrics(2, 2.5, new double[] {2.5}, true, false));
        }
        try (JsonlSink second = JsonlSink.appendTo(metrics)) {
            second.start(10, 1);
            second.step(new StepMetrics(2, 1, 2.8, new double[] {2.8}, 1e-4, 1.0, 1, false, 3000, 1.0, 0));
            second.eval(new EvalMetrics(2, 3.1, new double[] {3.1}, false, false));
            second.step(new StepMetrics(3, 2, 2.5, new double[] {2.5}, 1e-4, Double.NaN, 1, true, 2000, 2.0, 0));
        }

        RunSummary summary = RunSummary.of(RunHistory.read(metrics), RunSummary.ExitReason.INTERRUPTED);

        assertEquals(3, summary.steps());
        assertEquals(3, summary.epochs());
        assertEquals(2.9, summary.bestValLoss(), "the first segment's step-2 eval was superseded");
        assertEquals(1, summary.bestValStep());
        assertEquals(2.5, summary.finalLoss());
        assertEquals((1000 + 3000 + 4000) / 4.0, summary.tokensPerSecond(), 1e-9);
        assertEquals(1, summary.skippedSteps());
        assertEquals(2, summary.segments());
        assertTrue(summary.wallSeconds() >= 0);
    }

    @Test
    void noEvalGivesNullBest() throws IOException {
        RunSummary.of(RunHistory.read(run.resolve("metrics.jsonl")), RunSummary.ExitReason.COMPLETED).write(run);

        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(run.resolve("summary.json")));
        assertTrue(json.get("best_val_loss").isNull());
        assertTrue(json.get("best_val_step").isNull());
        assertEquals("completed", json.get("exit_reason").asString());
    }

    @Test
    void temporariesOfInterruptedWritesAreNeverHashed() throws IOException {
        Files.createDirectories(run.resolve("checkpoints/.tmp-step-0000003-123456789"));
        Files.writeString(run.resolve("checkpoints/.tmp-step-0000003-123456789/trainable.safetensors"), "half");
        Files.writeString(run.resolve("checkpoints/.latest.tmp-5f3a9c0d1e2b4a67"), "step-00");
        Files.writeString(run.resolve("checkpoints/latest"), "step-0000002\n");

        RunSummary.of(RunHistory.read(run.resolve("metrics.jsonl")), RunSummary.ExitReason.COMPLETED).write(run);

        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(run.resolve("summary.json")));
        assertEquals(List.of("checkpoints/latest"), List.copyOf(json.get("files").propertyNames()));
    }
}
