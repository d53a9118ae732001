package dev.retune.experiment;

import dev.retune.config.RetuneConfig;
import dev.retune.run.Checkpointer;
import dev.retune.run.RunFolder;
import dev.retune.run.RunHistory;
import dev.retune.run.RunLock;
import dev.retune.run.RunSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One run of a sweep: a variant trained with one seed, in {@code OUT/<variant>-<hash8>}, where the hash is the
 * SHA-256 of its config delta (every override, the seed's {@code train.seed} included, as sorted {@code key=value}
 * lines). The same delta always names the same folder, so a rerun finds what an earlier sweep did there.
 *
 * @param variant   the variant's name
 * @param seed      its {@code train.seed}
 * @param overrides the delta against the base config, sorted by key
 * @param dir       its run folder
 * @param config    the resolved config it trains with
 */
public record SweepRun(String variant, long seed, SortedMap<String, String> overrides, Path dir, RetuneConfig config) {

    /** Where a run stands before the sweep trains it. */
    public enum Status {
        /** Nothing trained yet. */
        NEW,
        /** Started, not finished: training resumes from its latest checkpoint. */
        PARTIAL,
        /** Trained to the end (or stopped early by eval.patience): skipped. */
        FINISHED,
        /** Its loss diverged: skipped, as a rerun would diverge the same way. */
        DIVERGED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The hash of a config delta: the first 8 hex digits of SHA-256 over its sorted {@code key=value} lines. */
    public static String hash(SortedMap<String, String> overrides) {
        StringBuilder canonical = new StringBuilder();
        overrides.forEach((key, value) -> canonical.append(key).append('=').append(value).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The overrides as {@code --set} arguments take them. */
    public List<String> setArguments() {
        List<String> args = new ArrayList<>();
        overrides.forEach((key, value) -> args.add(key + "=" + value));
        return args;
    }

    public RunFolder folder() {
        return new RunFolder(dir);
    }

    /** The folder's name: {@code <variant>-<hash8>}. */
    public String name() {
        return dir.getFileName().toString();
    }

    /** What the run folder holds now. */
    public Status status() {
        RunSummary.ExitReason reason = exitReason();
        if (reason == RunSummary.ExitReason.COMPLETED || reason == RunSummary.ExitReason.EARLY_STOPPED) {
            return Status.FINISHED;
        }
        if (reason == RunSummary.ExitReason.DIVERGED) {
            return Status.DIVERGED;
        }
        return isEmpty() ? Status.NEW : Status.PARTIAL;
    }

    /**
     * A run whose latest checkpoint says it finished but whose {@code summary.json} does not (lost, or a kill between
     * the last checkpoint and the summary) gets its summary back from its history; the trainer would only say it is
     * already finished.
     */
    void restoreSummary() {
        Status status = status();
        if (status != Status.PARTIAL || !folder().hasCheckpoint()) {
            return;
        }
        Checkpointer.Saved latest = new Checkpointer(dir, config.checkpoint().keepLast(), config.checkpoint().keepBest())
                .latest(new ArrayList<>()).orElse(null);
        if (latest != null && latest.state().finished() != null) {
            RunSummary.ExitReason reason = RunSummary.ExitReason.valueOf(latest.state().finished().toUpperCase(Locale.ROOT));
            RunSummary.of(RunHistory.read(folder().metrics()), reason).write(dir);
        }
    }

    /** {@code summary.json} as written by the trainer, or null when there is none. */
    JsonNode summary() {
        Path file = folder().summary();
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JsonMapper.shared().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private RunSummary.ExitReason exitReason() {
        JsonNode summary = summary();
        if (summary == null || !summary.path("exit_reason").isString()) {
            return null;
        }
        String label = summary.get("exit_reason").asString();
        return Stream.of(RunSummary.ExitReason.values()).filter(r -> r.label().equals(label)).findFirst().orElse(null);
    }

    private boolean isEmpty() {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.allMatch(f -> f.getFileName().toString().equals(RunLock.FILE_NAME)); // a start that never trained leaves only its lock
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Sorted copy of the overrides, for {@link #hash}. */
    static SortedMap<String, String> sorted(Map<String, String> overrides) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(overrides));
    }
}
