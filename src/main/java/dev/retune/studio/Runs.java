package dev.retune.studio;

import dev.retune.run.RunFolder;
import dev.retune.run.RunHistory;
import dev.retune.run.RunLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The run folders the studio shows (under {@code runs/}, and a sweep's runs), read from what training writes:
 * {@code .train.lock} ({@link RunLock}: is it training now), {@code summary.json} (how it ended), {@code metrics.jsonl}
 * (its history) and {@code checkpoints/}. Nothing here writes into a run.
 */
final class Runs {

    /** How a run stands, as the page's badges show it. */
    enum Status {
        /** A process holds the run's lock (or the studio started one that has not taken it yet). */
        RUNNING,
        /** summary.json says completed or early_stopped. */
        FINISHED,
        /** Stopped by a signal after a checkpoint (summary.json: interrupted). */
        INTERRUPTED,
        /** Non-finite loss or gradient norm. */
        DIVERGED,
        /** A history but no summary newer than it, and nobody trains it: killed or crashed. */
        STOPPED,
        /** Nothing trained yet. */
        NEW;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A checkpoint folder, {@code checkpoints/step-NNNNNNN}. */
    record Checkpoint(String name, long step, boolean latest, boolean best) {}

    /**
     * One row of the runs table.
     *
     * @param trainerPid   the PID training it now, null when none
     * @param bestValLoss  null before the first evaluation
     * @param lastLoss     the last step's training loss, null before the first step
     * @param modified     last change to the folder's records, ISO-8601
     */
    record Row(String name, String status, Long trainerPid, long steps, Double bestValLoss, Long bestValStep, Double lastLoss,
               List<Checkpoint> checkpoints, String modified) {}

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");

    /** The figures of metrics.jsonl, read again only when the file changed (the table is polled every few seconds). */
    private record Figures(long size, FileTime time, long steps, Double bestValLoss, Long bestValStep, Double lastLoss) {}

    private final Roots roots;
    private final Predicate<String> startedHere;
    private final Map<Path, Figures> figures = new ConcurrentHashMap<>();

    /** @param startedHere whether the studio started a training process for a run name that is still alive */
    Runs(Roots roots, Predicate<String> startedHere) {
        this.roots = roots;
        this.startedHere = startedHere;
    }

    /** Every run folder under {@code runs/}, newest first. */
    List<Row> list() {
        Path folder = roots.folder(Roots.Root.RUNS);
        List<Row> rows = new ArrayList<>();
        for (Path dir : children(folder)) {
            String name = dir.getFileName().toString();
            if (isRun(dir) || startedHere.test(name)) {
                rows.add(row(dir, name));
            }
        }
        rows.sort(Comparator.comparing(Row::modified).reversed());
        return rows;
    }

    /**
     * The folder of run {@code name} under {@code runs/}: 400 for anything but a plain name, 403 for a link leading out,
     * 404 when missing (unless the studio just started it and its process has not created it yet).
     */
    Path dir(String name) {
        requirePlainName(name);
        Path planned = roots.folder(Roots.Root.RUNS).resolve(name);
        if (!Files.exists(planned) && startedHere.test(name)) {
            return planned;
        }
        Path dir = roots.existing(Roots.Root.RUNS, name);
        if (!Files.isDirectory(dir)) {
            throw StudioException.notFound("runs/" + name + " is not a run folder");
        }
        return dir;
    }

    /** A run name as the page sends it: one folder name, no separators, no {@code ..}. */
    static String requirePlainName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}") || name.contains("..")) {
            throw StudioException.badRequest("run name '" + name + "' must be a plain folder name (letters, digits, '.', '_', '-'; no '/' or '..')");
        }
        return name;
    }

    /** Whether {@code dir} is a training run: it has a config, a history or a trainer now. */
    static boolean isRun(Path dir) {
        RunFolder run = new RunFolder(dir);
        return Files.isRegularFile(run.configFile()) || Files.isRegularFile(run.metrics()) || RunLock.trainer(dir).isPresent();
    }

    Row row(Path dir, String name) {
        RunFolder run = new RunFolder(dir);
        OptionalLong trainer = RunLock.trainer(dir);
        Figures f = figures(run.metrics());
        return new Row(name, status(dir, trainer.isPresent() || startedHere.test(name), f.steps() > 0).label(),
                trainer.isPresent() ? trainer.getAsLong() : null, f.steps(), f.bestValLoss(), f.bestValStep(), f.lastLoss(),
                checkpoints(run), modified(dir).toString());
    }

    /** The run's status now; {@code running} as the lock (or the studio's own process) says. */
    Status status(Path dir, String name) {
        RunFolder run = new RunFolder(dir);
        return status(dir, RunLock.trainer(dir).isPresent() || startedHere.test(name), figures(run.metrics()).steps() > 0);
    }

    private static Status status(Path dir, boolean running, boolean trained) {
        if (running) {
            return Status.RUNNING;
        }
        RunFolder run = new RunFolder(dir);
        String reason = exitReason(run);
        if (reason != null && !olderThan(run.summary(), run.metrics())) {
            return switch (reason) {
                case "completed", "early_stopped" -> Status.FINISHED;
                case "interrupted" -> Status.INTERRUPTED;
                case "diverged" -> Status.DIVERGED;
                default -> Status.STOPPED;
            };
        }
        return trained ? Status.STOPPED : Status.NEW;
    }

    /** summary.json as written by training, or null. */
    static JsonNode summary(RunFolder run) {
        if (!Files.isRegularFile(run.summary())) {
            return null;
        }
        try {
            return StudioJson.mapper().readTree(Files.readString(run.summary()));
        } catch (IOException | JacksonException e) {
            return null; // being replaced, or damaged: the run reads as not summarised
        }
    }

    private static String exitReason(RunFolder run) {
        JsonNode summary = summary(run);
        return summary == null || !summary.path("exit_reason").isString() ? null : summary.get("exit_reason").asString();
    }

    /** Whether {@code a} was last written before {@code b} (a resumed segment's history after an old summary). */
    private static boolean olderThan(Path a, Path b) {
        try {
            return Files.exists(b) && Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b)) < 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code checkpoints/step-*}, by step, with which ones {@code latest} and {@code best} name. */
    static List<Checkpoint> checkpoints(RunFolder run) {
        String latest = pointer(run.checkpoints().resolve("latest"));
        String best = pointer(run.checkpoints().resolve("best"));
        List<Checkpoint> list = new ArrayList<>();
        for (Path dir : children(run.checkpoints())) {
            String name = dir.getFileName().toString();
            Matcher m = STEP_DIR.matcher(name);
            if (m.matches()) {
                list.add(new Checkpoint(name, Long.parseLong(m.group(1)), name.equals(latest), name.equals(best)));
            }
        }
        list.sort(Comparator.comparingLong(Checkpoint::step));
        return list;
    }

    private static String pointer(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private Figures figures(Path metrics) {
        long size;
        FileTime time;
        try {
            size = Files.size(metrics);
            time = Files.getLastModifiedTime(metrics);
        } catch (IOException e) {
            return new Figures(0, null, 0, null, null, null);
        }
        Figures cached = figures.get(metrics);
        if (cached != null && cached.size() == size && cached.time().equals(time)) {
            return cached;
        }
        RunHistory history = RunHistory.read(metrics);
        List<RunHistory.Step> steps = history.steps();
        RunHistory.Eval best = null;
        for (RunHistory.Eval eval : history.evals()) {
            if (Double.isFinite(eval.loss()) && (best == null || eval.loss() < best.loss())) {
                best = eval;
            }
        }
        RunHistory.Step last = steps.isEmpty() ? null : steps.get(steps.size() - 1);
        Figures fresh = new Figures(size, time, last == null ? 0 : last.step(), best == null ? null : best.loss(),
                best == null ? null : best.step(), last == null || !Double.isFinite(last.loss()) ? null : last.loss());
        figures.put(metrics, fresh);
        return fresh;
    }

    /** The latest change among the folder and its records. */
    private static FileTime modified(Path dir) {
        FileTime latest = FileTime.fromMillis(0);
        RunFolder run = new RunFolder(dir);
        for (Path p : List.of(dir, run.metrics(), run.summary(), run.configFile())) {
            try {
                FileTime t = Files.getLastModifiedTime(p);
                latest = t.compareTo(latest) > 0 ? t : latest;
            } catch (IOException e) {
                // not there (yet)
            }
        }
        return latest;
    }

    /** The sub-folders of {@code folder}, by name; none when it does not exist. */
    static List<Path> children(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new StudioException(500, "cannot list " + folder + ": " + e.getMessage());
        }
    }
}
