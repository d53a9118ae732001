package dev.retune.experiment;

import dev.retune.Failure;
import dev.retune.Log;
import dev.retune.ProgressListener;
import dev.retune.RetuneException;
import dev.retune.config.ConfigException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.train.DivergedException;
import dev.retune.train.Plan;
import dev.retune.train.StopRequestedException;
import dev.retune.train.TrainRun;
import dev.retune.train.Trainer;
import dev.retune.train.distributed.LocalLauncher;
import dev.retune.train.metrics.MetricsSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A training sweep: the base config × variants × seeds, each run in its own folder named by its config delta
 * ({@link SweepRun}), trained one after another in this process or {@code parallel} at once as separate
 * {@code retune train} processes. Finished runs are skipped and interrupted ones resume from their latest checkpoint,
 * so rerunning a sweep trains only what is missing; then {@link SweepResult} compares the variants.
 */
public final class Sweep {

    /** The key each seed sets. */
    public static final String SEED_KEY = "train.seed";
    /** Each run's console output (JSON lines, and a child process's stderr), in its run folder. */
    public static final String LOG = "train.log";

    private final Path file;
    private final SweepConfig config;
    private final List<SweepRun> runs;

    private Sweep(Path file, SweepConfig config, List<SweepRun> runs) {
        this.file = file;
        this.config = config;
        this.runs = List.copyOf(runs);
    }

    /**
     * Reads the sweep file and resolves every run's config up front, so a bad key fails before any training (the
     * message names the variant and the key).
     */
    public static Sweep plan(Path file) {
        SweepConfig config = SweepConfig.load(file);
        List<SweepRun> runs = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> variant : variants(config).entrySet()) {
            for (long seed : config.seeds()) {
                Map<String, String> delta = new LinkedHashMap<>(config.set());
                delta.putAll(variant.getValue());
                delta.put(SEED_KEY, Long.toString(seed));
                var sorted = SweepRun.sorted(delta);
                Path dir = config.out().resolve(variant.getKey() + "-" + SweepRun.hash(sorted));
                boolean firstSeed = seed == config.seeds().get(0);
                runs.add(new SweepRun(variant.getKey(), seed, sorted, dir, resolve(file, config, variant.getKey(), sorted, firstSeed)));
            }
        }
        return new Sweep(file, config, runs);
    }

    public Path file() {
        return file;
    }

    public SweepConfig config() {
        return config;
    }

    /** Every run, variant by variant, seeds in the file's order. */
    public List<SweepRun> runs() {
        return runs;
    }

    /** The variant names in order, each with its overrides (the grid's combinations, named by their values). */
    static Map<String, Map<String, String>> variants(SweepConfig config) {
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        config.variants().forEach(v -> variants.put(v.name(), v.set()));
        if (!config.grid().isEmpty()) {
            List<Map<String, String>> combinations = new ArrayList<>(List.of(Map.of()));
            config.grid().forEach((key, values) -> {
                List<Map<String, String>> next = new ArrayList<>();
                for (Map<String, String> partial : combinations) {
                    for (String value : values) {
                        Map<String, String> more = new LinkedHashMap<>(partial);
                        more.put(key, value);
                        next.add(more);
                    }
                }
                combinations.clear();
                combinations.addAll(next);
            });
            combinations.forEach(c -> variants.put(gridName(c), c));
        }
        return variants;
    }

    /** {@code lr-0.001_r-8}: each key's last part and its value, folder-safe. */
    private static String gridName(Map<String, String> combination) {
        List<String> parts = new ArrayList<>();
        combination.forEach((key, value) -> parts.add(key.substring(key.lastIndexOf('.') + 1) + "-" + value));
        String name = String.join("_", parts).replaceAll("[^A-Za-z0-9._-]+", "-");
        return name.length() > 64 ? name.substring(0, 64) : name;
    }

    /** The run's config; for a variant's first seed also its plan (the seed changes no parameter group). */
    private static RetuneConfig resolve(Path file, SweepConfig config, String variant, Map<String, String> delta, boolean checkPlan) {
        List<String> overrides = new ArrayList<>();
        delta.forEach((key, value) -> overrides.add(key + "=" + value));
        try {
            RetuneConfig resolved = ConfigLoader.load(config.base(), overrides);
            if (checkPlan) {
                Plan.of(resolved); // what training would refuse later (a layer range the model lacks), refused now
            }
            return resolved;
        } catch (ConfigException e) {
            throw new ConfigException(file + ": variant '" + variant + "': " + e.getMessage(), e.keys().toArray(String[]::new));
        } catch (RetuneException e) {
            throw new SweepException(e.failure(), file + ": variant '" + variant + "': " + e.getMessage());
        }
    }

    /**
     * Trains every run that is not finished; {@code parallel} 1 trains them one after another in this process.
     * Returns whether every run is finished (false when {@code stop} ended the sweep first).
     *
     * @param progress runs done, over all runs
     * @param metrics  every in-process run's metrics as they come (may be null; not used with parallel processes,
     *                 whose metrics are in their run folders)
     * @param stop     set from any thread: the run under way stops after its current step and checkpoint (a child
     *                 process is sent SIGTERM), and no other starts
     */
    public boolean train(int parallel, ProgressListener progress, MetricsSink metrics, AtomicBoolean stop) {
        List<SweepRun> pending = runs.stream().filter(r -> r.status() == SweepRun.Status.NEW || r.status() == SweepRun.Status.PARTIAL).toList();
        int done = runs.size() - pending.size();
        progress.update(done, runs.size());
        Log.info(file + ": " + runs.size() + " runs, " + done + " already finished, " + pending.size() + " to train");
        boolean finished = parallel > 1 && pending.size() > 1
                ? new SweepProcesses(pending, parallel, config.base()).run(progress, done, runs.size(), stop)
                : trainInThisProcess(pending, progress, done, metrics, stop);
        if (finished) {
            pending.forEach(SweepRun::restoreSummary);
        }
        return finished;
    }

    private boolean trainInThisProcess(List<SweepRun> pending, ProgressListener progress, int done, MetricsSink metrics, AtomicBoolean stop) {
        for (SweepRun run : pending) {
            if (stop.get() || !trainHere(run, metrics, stop)) {
                return false;
            }
            progress.update(++done, runs.size());
        }
        return true;
    }

    /** One run in this process, its console output in its log file; false when stopped. */
    private static boolean trainHere(SweepRun run, MetricsSink metrics, AtomicBoolean stop) {
        Log.info("training " + run.name() + " (" + run.variant() + ", seed " + run.seed() + ")");
        try {
            Files.createDirectories(run.dir());
            try (Writer log = Files.newBufferedWriter(run.dir().resolve(LOG), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                Trainer.Result result = new TrainRun(run.config(), run.dir()).run(new TrainRun.Output(true, log, ProgressListener.NONE, metrics), stop);
                return result.outcome() != Trainer.Outcome.INTERRUPTED;
            }
        } catch (StopRequestedException e) {
            return false;
        } catch (DivergedException e) {
            Log.warn(run.name() + " diverged: " + e.getMessage());
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + run.dir() + ": " + e.getMessage(), e);
        }
    }


    /** A child process that failed: the sweep names it and its log. */
    static SweepException failed(SweepRun run, int exitCode) {
        return new SweepException(Failure.PEER_FAILED, run.name() + " (" + run.variant() + ", seed " + run.seed()
                + "): retune train exited with " + exitCode + "; see " + run.dir().resolve(LOG));
    }

    /** The command line that starts {@code retune train} for {@code run} in a child JVM (JSON lines on its stdout). */
    static List<String> command(Path base, SweepRun run) {
        List<String> args = new ArrayList<>(List.of("train", base.toString(), "--out", run.dir().toString(), "--json"));
        run.setArguments().forEach(set -> args.addAll(List.of("--set", set)));
        return LocalLauncher.retuneCommand(args);
    }
}
