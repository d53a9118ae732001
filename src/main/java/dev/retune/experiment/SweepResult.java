package dev.retune.experiment;

import dev.retune.ProgressListener;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.evaluate.FitComparison;
import dev.retune.evaluate.HeldOutFit;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelLocation;
import dev.retune.run.RunHistory;
import dev.retune.train.Plan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;

/**
 * A sweep's comparison: each run's figures as its {@code summary.json} states them, and per variant their mean ± std
 * over seeds. With a {@code general_dataset}, each run's best checkpoint is scored there against the base model:
 * the forgetting column (positive: the run predicts the general set worse than the base model did).
 *
 * @param sweep    the sweep file
 * @param base     its base config
 * @param variants one row per variant, in the file's order
 * @param runs     one row per run
 */
public record SweepResult(String sweep, String base, List<VariantRow> variants, List<RunRow> runs) {

    /** Mean and sample standard deviation (NaN for one value) over the runs that have the figure. */
    public record Stat(double mean, double std, int n) {

        static Stat of(List<Double> values) {
            List<Double> finite = values.stream().filter(v -> v != null && Double.isFinite(v)).toList();
            int n = finite.size();
            double mean = finite.stream().mapToDouble(Double::doubleValue).sum() / n;
            double squares = finite.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            return new Stat(n == 0 ? Double.NaN : mean, n < 2 ? Double.NaN : Math.sqrt(squares / (n - 1)), n);
        }
    }

    /**
     * @param forgetting best checkpoint's loss on the general dataset minus the base model's (nats/token), or NaN
     */
    public record RunRow(String variant, long seed, String folder, String status, long steps, double bestValLoss,
                         long bestValStep, double wallSeconds, double tokensPerSecond, long trainableParameters,
                         double forgetting) {}

    public record VariantRow(String variant, int runs, Stat bestValLoss, Stat bestValStep, Stat wallSeconds,
                             long trainableParameters, Stat tokensPerSecond, Stat forgetting) {}

    /** Reads every run's figures; scores forgetting when the sweep names a general dataset. */
    public static SweepResult of(Sweep sweep, ProgressListener progress, AtomicBoolean stop) {
        Map<SweepRun, Double> forgetting = sweep.config().generalDataset() == null ? Map.of() : forgetting(sweep, progress, stop);
        Map<String, Long> trainable = new HashMap<>();
        List<RunRow> runs = new ArrayList<>();
        for (SweepRun run : sweep.runs()) {
            long params = trainable.computeIfAbsent(run.variant(), v -> trainableParameters(run.config()));
            runs.add(row(run, params, forgetting.getOrDefault(run, Double.NaN)));
        }
        Map<String, List<RunRow>> byVariant = new LinkedHashMap<>();
        runs.forEach(r -> byVariant.computeIfAbsent(r.variant(), v -> new ArrayList<>()).add(r));
        List<VariantRow> variants = new ArrayList<>();
        byVariant.forEach((variant, rows) -> variants.add(new VariantRow(variant, rows.size(),
                Stat.of(rows.stream().map(RunRow::bestValLoss).toList()),
                Stat.of(rows.stream().map(r -> r.bestValStep() < 0 ? Double.NaN : (double) r.bestValStep()).toList()),
                Stat.of(rows.stream().map(RunRow::wallSeconds).toList()), rows.get(0).trainableParameters(),
                Stat.of(rows.stream().map(RunRow::tokensPerSecond).toList()),
                Stat.of(rows.stream().map(RunRow::forgetting).toList()))));
        return new SweepResult(sweep.file().toString(), sweep.config().base().toString(), variants, runs);
    }

    private static RunRow row(SweepRun run, long trainable, double forgetting) {
        JsonNode summary = run.summary();
        return new RunRow(run.variant(), run.seed(), run.dir().toString(), run.status().label(),
                summary == null ? 0 : summary.path("steps").asLong(0), number(summary, "best_val_loss"),
                summary == null || !summary.path("best_val_step").isNumber() ? -1 : summary.get("best_val_step").asLong(),
                number(summary, "wall_s"), number(summary, "tokens_per_s"), trainable, forgetting);
    }

    private static double number(JsonNode summary, String key) {
        return summary != null && summary.path(key).isNumber() ? summary.get(key).asDouble() : Double.NaN;
    }

    /** Trainable parameters once every stage is open (the most any stage trains). */
    private static long trainableParameters(RetuneConfig config) {
        return Plan.of(config).stages().stream().mapToLong(Plan.Stage::trainableParams).max().orElse(0);
    }

    /**
     * Scores the base model and every finished run's best checkpoint on the general dataset in one comparison (the
     * base first, so each difference is run − base on the same clips), with the base config's data settings.
     */
    private static Map<SweepRun, Double> forgetting(Sweep sweep, ProgressListener progress, AtomicBoolean stop) {
        List<SweepRun> scored = sweep.runs().stream().filter(r -> r.status() == SweepRun.Status.FINISHED).toList();
        if (scored.isEmpty()) {
            return Map.of();
        }
        List<String> overrides = new ArrayList<>();
        sweep.config().set().forEach((key, value) -> {
            if (!key.equals("data.dataset")) {
                overrides.add(key + "=" + value);
            }
        });
        overrides.add("data.dataset=" + sweep.config().generalDataset());
        RetuneConfig general = ConfigLoader.load(sweep.config().base(), overrides);
        List<ModelLocation> sources = new ArrayList<>();
        Path baseModel = scored.get(0).folder().modelFolder(scored.get(0).config());
        sources.add(ModelLocation.folder(baseModel, List.of()));
        scored.forEach(r -> sources.add(ModelLocation.run(r.dir(), CheckpointChoice.DEFAULT)));
        FitComparison fit = HeldOutFit.compare(general, sources, HeldOutFit.Options.DEFAULT, progress, stop);
        Map<SweepRun, Double> forgetting = new HashMap<>();
        for (int i = 0; i < scored.size(); i++) {
            forgetting.put(scored.get(i), fit.differences().get(i).loss());
        }
        return forgetting;
    }

    /** Each run's validation curve (step, loss), in run order, for the overlay plot. */
    static Map<SweepRun, List<RunHistory.Eval>> curves(Sweep sweep) {
        Map<SweepRun, List<RunHistory.Eval>> curves = new LinkedHashMap<>();
        sweep.runs().forEach(r -> curves.put(r, RunHistory.read(r.folder().metrics()).evals()));
        return curves;
    }
}
