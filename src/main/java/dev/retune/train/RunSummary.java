package dev.retune.train;

import dev.retune.model.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a run ended, written as {@code summary.json} in the run folder together with the SHA-256 of every other
 * file there, so a copied or archived run can be checked. {@link Tally} gathers the figures as a metrics sink.
 *
 * @param steps           optimizer steps done (the last step number)
 * @param epochs          epochs reached: the last batch's epoch + 1
 * @param bestValLoss     best validation loss, NaN when no eval ran
 * @param bestValStep     step of the best validation loss, -1 when no eval ran
 * @param finalLoss       training loss of the last step
 * @param wallSeconds     wall time of the training loop in this process
 * @param tokensPerSecond codebook tokens per second over all steps (total tokens / total step time)
 * @param skippedSteps    steps the fp16 loss scaler skipped
 * @param exitReason      why the loop stopped
 */
public record RunSummary(long steps, int epochs, double bestValLoss, long bestValStep, double finalLoss,
                         double wallSeconds, double tokensPerSecond, long skippedSteps, ExitReason exitReason) {

    public static final String FILE_NAME = "summary.json";

    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** Why the training loop stopped; written in lower case ("early_stopped"). */
    public enum ExitReason {
        COMPLETED, INTERRUPTED, DIVERGED, EARLY_STOPPED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public RunSummary {
        if (exitReason == null) {
            throw new IllegalArgumentException("expected an exit reason, found null");
        }
    }

    /** Writes {@code summary.json} into {@code runDir} atomically, hashing every other file there first. */
    public void write(Path runDir) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("steps", steps);
        json.put("epochs", epochs);
        putNumber(json, "best_val_loss", bestValLoss);
        if (bestValStep >= 0) {
            json.put("best_val_step", bestValStep);
        } else {
            json.putNull("best_val_step");
        }
        putNumber(json, "final_loss", finalLoss);
        putNumber(json, "wall_s", wallSeconds);
        putNumber(json, "tokens_per_s", tokensPerSecond);
        json.put("skipped_steps", skippedSteps);
        json.put("exit_reason", exitReason.label());
        ObjectNode files = json.putObject("files");
        hashFiles(runDir).forEach(files::put);
        AtomicFile.writeString(runDir.resolve(FILE_NAME), MAPPER.writeValueAsString(json) + "\n");
    }

    /**
     * SHA-256 (lower-case hex) of every regular file under {@code runDir}, by path relative to it with {@code /}
     * separators, sorted; the top-level {@code summary.json} is left out. Links are not followed.
     */
    public static Map<String, String> hashFiles(Path runDir) {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(runDir)) {
            paths = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runDir + ": " + e.getMessage(), e);
        }
        Map<String, String> hashes = new TreeMap<>();
        for (Path path : paths) {
            Path relative = runDir.relativize(path);
            if (relative.equals(Path.of(FILE_NAME))) {
                continue;
            }
            hashes.put(slashed(relative), FileHash.sha256(path));
        }
        return hashes;
    }

    private static String slashed(Path relative) {
        StringBuilder text = new StringBuilder();
        for (Path name : relative) {
            if (text.length() > 0) {
                text.append('/');
            }
            text.append(name);
        }
        return text.toString();
    }

    private static void putNumber(ObjectNode json, String key, double value) {
        if (Double.isFinite(value)) {
            json.put(key, value);
        } else {
            json.putNull(key);
        }
    }

    /** Gathers a {@link RunSummary} from the metrics of this process's training loop. */
    public static final class Tally implements MetricsSink {
        private long startNanos = System.nanoTime();
        private long steps;
        private int epochs;
        private double finalLoss = Double.NaN;
        private double bestValLoss = Double.NaN;
        private long bestValStep = -1;
        private double tokens;
        private double stepSeconds;
        private long skipped;

        @Override
        public void start(long totalSteps, long startStep) {
            startNanos = System.nanoTime();
            steps = startStep;
        }

        @Override
        public void step(StepMetrics m) {
            steps = m.step();
            epochs = Math.max(epochs, m.epoch() + 1);
            finalLoss = m.loss();
            if (Double.isFinite(m.tokensPerSecond()) && Double.isFinite(m.stepSeconds())) {
                tokens += m.tokensPerSecond() * m.stepSeconds();
                stepSeconds += m.stepSeconds();
            }
            if (m.skipped()) {
                skipped++;
            }
        }

        @Override
        public void eval(EvalMetrics m) {
            if (Double.isFinite(m.loss()) && (bestValStep < 0 || m.loss() < bestValLoss)) {
                bestValLoss = m.loss();
                bestValStep = m.step();
            }
        }

        public RunSummary summary(ExitReason reason) {
            double wall = (System.nanoTime() - startNanos) / 1e9;
            double rate = stepSeconds > 0 ? tokens / stepSeconds : Double.NaN;
            return new RunSummary(steps, epochs, bestValLoss, bestValStep, finalLoss, wall, rate, skipped, reason);
        }
    }
}
