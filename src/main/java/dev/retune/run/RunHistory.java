package dev.retune.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A whole run as {@code metrics.jsonl} tells it, over all its segments (one per process start that trained it).
 *
 * <p>The file is only ever appended to. Each segment begins with a {@code "start"} record naming the step it resumed
 * from; the steps and evaluations an earlier segment logged after that step (work lost when it was killed before its
 * next checkpoint) are superseded by the new segment's, so {@link #steps} and {@link #evals} are the run's one
 * history, step by step. Wall time counts every segment in full: it is what the run cost. A line torn by a crash is
 * skipped. Files written before segments existed read as one segment from step 0.
 */
public final class RunHistory {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** One optimizer step as logged. */
    public record Step(long step, int epoch, double loss, double tokensPerSecond, double stepSeconds, boolean skipped) {}

    /** One validation pass as logged. */
    public record Eval(long step, double loss) {}

    private final List<Step> steps = new ArrayList<>();
    private final List<Eval> evals = new ArrayList<>();
    private int segments;
    private double wallSeconds;
    private double segmentWall;

    private RunHistory() {}

    /** The history in {@code file}; empty when there is no such file. */
    public static RunHistory read(Path file) {
        RunHistory history = new RunHistory();
        if (!Files.exists(file)) {
            return history;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    history.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        history.wallSeconds += history.segmentWall;
        return history;
    }

    private void add(String line) {
        JsonNode record;
        try {
            record = JSON.readTree(line);
        } catch (JacksonException e) {
            return; // the tail of a segment that was killed mid-write
        }
        switch (record.path("type").asString("")) {
            case "start" -> {
                long from = record.path("from_step").asLong(0);
                steps.removeIf(s -> s.step() > from);
                evals.removeIf(e -> e.step() > from);
                wallSeconds += segmentWall;
                segmentWall = 0;
                segments++;
            }
            case "step" -> {
                if (segments == 0) {
                    segments = 1; // a file from before segments were logged
                }
                steps.add(new Step(record.path("step").asLong(), record.path("epoch").asInt(), number(record, "loss"),
                        number(record, "tokens_per_s"), number(record, "step_s"), record.path("skipped").asBoolean(false)));
            }
            case "eval" -> evals.add(new Eval(record.path("step").asLong(), number(record, "loss")));
            default -> { }
        }
        double wall = number(record, "wall_s");
        if (Double.isFinite(wall)) {
            segmentWall = Math.max(segmentWall, wall);
        }
    }

    private static double number(JsonNode record, String key) {
        JsonNode value = record.path(key);
        return value.isNumber() ? value.doubleValue() : Double.NaN;
    }

    /** Every step of the run, in order, each once. */
    public List<Step> steps() {
        return steps;
    }

    /** Every validation pass of the run, in order. */
    public List<Eval> evals() {
        return evals;
    }

    /** How many process starts trained this run. */
    public int segments() {
        return segments;
    }

    /** Wall time of all segments together, from their start records to their last records. */
    public double wallSeconds() {
        return wallSeconds;
    }
}
