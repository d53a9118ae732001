package dev.retune.run;

import dev.retune.data.AtomicFile;
import dev.retune.data.FileHash;
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
 * How a run stands, written as {@code summary.json} in the run folder together with the SHA-256 of every other file
 * there, so a copied or archived run can be checked. The figures describe the whole run, every segment of
 * {@code metrics.jsonl} (see {@link RunHistory}), not only the last process that trained it.
 *
 * @param steps           optimizer steps done (the last step number)
 * @param epochs          epochs reached: the last batch's epoch + 1
 * @param bestValLoss     best validation loss, NaN when no eval ran
 * @param bestValStep     step of the best validation loss, -1 when no eval ran
 * @param finalLoss       training loss of the last step
 * @param wallSeconds     wall time of every segment together
 * @param segments        process starts that trained the run (1 + resumes)
 * @param tokensPerSecond codebook tokens per second over all steps (total tokens / total step time)
 * @param skippedSteps    steps the fp16 loss scaler skipped
 * @param exitReason      why the last segment stopped
 */
public record RunSummary(long steps, int epochs, double bestValLoss, long bestValStep, double finalLoss,
                         double wallSeconds, int segments, double tokensPerSecond, long skippedSteps, ExitReason exitReason) {

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
        json.put("segments", segments);
        putNumber(json, "tokens_per_s", tokensPerSecond);
        json.put("skipped_steps", skippedSteps);
        json.put("exit_reason", exitReason.label());
        ObjectNode files = json.putObject("files");
        hashFiles(runDir).forEach(files::put);
        AtomicFile.writeString(runDir.resolve(FILE_NAME), MAPPER.writeValueAsString(json) + "\n");
    }

    /**
     * SHA-256 (lower-case hex) of every regular file under {@code runDir}, by path relative to it with {@code /}
     * separators, sorted; the top-level {@code summary.json}, the training lock ({@link RunLock}) and the temporaries of
     * interrupted writes are left out. Links are not followed.
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
            if (relative.equals(Path.of(FILE_NAME)) || relative.equals(Path.of(RunLock.FILE_NAME)) || temporary(relative)) {
                continue;
            }
            hashes.put(slashed(relative), FileHash.sha256(path));
        }
        return hashes;
    }

    /** Part of a write a crash interrupted (or one in progress): never part of the run. */
    private static boolean temporary(Path relative) {
        for (Path name : relative) {
            if (RunFolder.isTemporary(name)) {
                return true;
            }
        }
        return false;
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

    /** The summary of a whole run from its history; {@code reason} is why its last segment stopped. */
    public static RunSummary of(RunHistory history, ExitReason reason) {
        long steps = 0;
        int epochs = 0;
        double finalLoss = Double.NaN;
        double tokens = 0;
        double stepSeconds = 0;
        long skipped = 0;
        for (RunHistory.Step step : history.steps()) {
            steps = step.step();
            epochs = Math.max(epochs, step.epoch() + 1);
            finalLoss = step.loss();
            if (Double.isFinite(step.tokensPerSecond()) && Double.isFinite(step.stepSeconds())) {
                tokens += step.tokensPerSecond() * step.stepSeconds();
                stepSeconds += step.stepSeconds();
            }
            if (step.skipped()) {
                skipped++;
            }
        }
        double bestLoss = Double.NaN;
        long bestStep = -1;
        for (RunHistory.Eval eval : history.evals()) {
            if (Double.isFinite(eval.loss()) && (bestStep < 0 || eval.loss() < bestLoss)) {
                bestLoss = eval.loss();
                bestStep = eval.step();
            }
        }
        return new RunSummary(steps, epochs, bestLoss, bestStep, finalLoss, history.wallSeconds(), history.segments(),
                stepSeconds > 0 ? tokens / stepSeconds : Double.NaN, skipped, reason);
    }
}
