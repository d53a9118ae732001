package dev.retune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        RunSummary summary = new RunSummary(100, 2, 3.25, 80, 3.4, 12.5, 5000, 1, RunSummary.ExitReason.EARLY_STOPPED);

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
    void tallyGathersTheFigures() throws IOException {
        RunSummary.Tally tally = new RunSummary.Tally();
        tally.start(10, 4);
        tally.step(new StepMetrics(5, 1, 3.0, new double[] {3.0}, 1e-4, 1.0, 1, false, 1000, 1.0, 0));
        tally.eval(new EvalMetrics(5, 2.9, new double[] {2.9}, true, false));
        tally.step(new StepMetrics(6, 2, 2.5, new double[] {2.5}, 1e-4, Double.NaN, 1, true, 3000, 1.0, 0));
        tally.eval(new EvalMetrics(6, 3.1, new double[] {3.1}, false, false));

        RunSummary summary = tally.summary(RunSummary.ExitReason.INTERRUPTED);

        assertEquals(6, summary.steps());
        assertEquals(3, summary.epochs());
        assertEquals(2.9, summary.bestValLoss());
        assertEquals(5, summary.bestValStep());
        assertEquals(2.5, summary.finalLoss());
        assertEquals(2000, summary.tokensPerSecond(), 1e-9);
        assertEquals(1, summary.skippedSteps());
        assertTrue(summary.wallSeconds() >= 0);

        summary.write(run);
        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(run.resolve("summary.json")));
        assertEquals(List.of(), List.copyOf(json.get("files").propertyNames()));
    }

    @Test
    void noEvalGivesNullBest() throws IOException {
        new RunSummary.Tally().summary(RunSummary.ExitReason.COMPLETED).write(run);

        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(run.resolve("summary.json")));
        assertTrue(json.get("best_val_loss").isNull());
        assertTrue(json.get("best_val_step").isNull());
        assertEquals("completed", json.get("exit_reason").asString());
    }
}
