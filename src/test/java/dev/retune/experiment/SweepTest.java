package dev.retune.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.ProgressListener;
import dev.retune.config.RetuneConfig;
import dev.retune.evaluate.FitComparison;
import dev.retune.evaluate.HeldOutFit;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelLocation;
import dev.retune.train.DemoSubset;
import dev.retune.train.metrics.MetricsSink;
import dev.retune.train.metrics.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real sweep of two variants × one seed on the tiny model: trained once, rerun (nothing trains), and the same sweep
 * stopped in the middle of its second run and rerun (only the rest trains, and every figure equals the uninterrupted
 * sweep's). Figures in the comparison are the runs' own summary.json values.
 */
class SweepTest {

    @TempDir
    static Path dir;

    private static Path base;

    @BeforeAll
    static void tinyBase() throws IOException {
        Path dataset = DemoSubset.copyTo(dir.resolve("data"));
        base = Files.writeString(dir.resolve("tiny.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + dataset + ", segment_seconds: 1, batch_size: 2, cache_dir: " + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant}",
                "train: {max_steps: 4, cfg_dropout_p: 0.0}",
                "eval: {every: 2}",
                "checkpoint: {every: 2, keep_last: 2}",
                ""));
    }

    private static Path sweepFile(String name) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), String.join("\n",
                "base: tiny.yaml",
                "variants:",
                "  - {name: fast, set: {optim.lr: 0.003}}",
                "  - {name: slow, set: {optim.lr: 0.001, schedule.kind: cosine}}",
                "seeds: [7]",
                "out: " + dir.resolve(name),
                ""));
    }

    @Test
    void rerunSkipsFinishedRunsAndAnInterruptedSweepResumesToTheSameFigures() throws IOException {
        Sweep whole = Sweep.plan(sweepFile("whole"));
        assertEquals(List.of(SweepRun.Status.NEW, SweepRun.Status.NEW), statuses(whole));
        assertTrue(whole.train(1, ProgressListener.NONE, null, new AtomicBoolean()));
        assertEquals(List.of(SweepRun.Status.FINISHED, SweepRun.Status.FINISHED), statuses(whole));
        List<String> metricsBefore = metricsFiles(whole);

        // Rerun: nothing trains (every metrics.jsonl stays byte for byte), and both are reported finished, the one whose
        // summary.json was lost too (its finished checkpoint gives it back).
        String lostSummary = Files.readString(whole.runs().get(1).folder().summary());
        Files.delete(whole.runs().get(1).folder().summary());
        assertEquals(SweepRun.Status.PARTIAL, whole.runs().get(1).status());
        Sweep again = Sweep.plan(sweepFile("whole"));
        StepCounter steps = new StepCounter(-1, null);
        List<double[]> progress = new ArrayList<>();
        assertTrue(again.train(1, (done, total) -> progress.add(new double[] {done, total}), steps, new AtomicBoolean()));
        assertEquals(0, steps.count.get());
        assertEquals(metricsBefore, metricsFiles(again));
        assertEquals(1.0, progress.get(0)[0]); // the run without a summary is looked at again, and trains nothing
        assertEquals(2.0, progress.get(progress.size() - 1)[0]);
        assertEquals(List.of(SweepRun.Status.FINISHED, SweepRun.Status.FINISHED), statuses(again));
        assertEquals(JsonMapper.shared().readTree(lostSummary).get("best_val_loss"),
                JsonMapper.shared().readTree(Files.readString(whole.runs().get(1).folder().summary())).get("best_val_loss"));

        // The same sweep elsewhere, stopped after step 2 of its second run, then rerun.
        Sweep cut = Sweep.plan(sweepFile("cut"));
        AtomicBoolean stop = new AtomicBoolean();
        assertFalse(cut.train(1, ProgressListener.NONE, new StepCounter(4 + 2, stop), stop));
        assertEquals(List.of(SweepRun.Status.FINISHED, SweepRun.Status.PARTIAL), statuses(cut));
        String firstRunMetrics = Files.readString(cut.runs().get(0).folder().metrics());
        StepCounter resumed = new StepCounter(-1, null);
        assertTrue(Sweep.plan(sweepFile("cut")).train(1, ProgressListener.NONE, resumed, new AtomicBoolean()));
        assertEquals(List.of(3L, 4L), resumed.steps); // only the missing steps of the second run
        assertEquals(firstRunMetrics, Files.readString(cut.runs().get(0).folder().metrics()));

        SweepResult a = SweepResult.of(whole, ProgressListener.NONE, new AtomicBoolean());
        SweepResult b = SweepResult.of(cut, ProgressListener.NONE, new AtomicBoolean());
        for (int i = 0; i < 2; i++) {
            SweepResult.RunRow x = a.runs().get(i);
            SweepResult.RunRow y = b.runs().get(i);
            assertEquals(x.bestValLoss(), y.bestValLoss(), x.variant());
            assertEquals(x.bestValStep(), y.bestValStep(), x.variant());
            assertEquals(4, y.steps());
            assertEquals(x.trainableParameters(), y.trainableParameters());
        }
        assertEquals(a.variants().get(0).bestValLoss().mean(), b.variants().get(0).bestValLoss().mean());
        assertEquals(a.variants().get(1).bestValLoss().mean(), b.variants().get(1).bestValLoss().mean());
        assertFigures(whole, a);
        assertFigures(cut, b);
    }

    /** Every figure of the comparison is the run's summary.json value; the variant row is their mean (one seed). */
    private static void assertFigures(Sweep sweep, SweepResult result) throws IOException {
        SweepReport.write(sweep, result);
        for (int i = 0; i < sweep.runs().size(); i++) {
            JsonNode summary = JsonMapper.shared().readTree(Files.readString(sweep.runs().get(i).folder().summary()));
            SweepResult.RunRow row = result.runs().get(i);
            SweepResult.VariantRow variant = result.variants().get(i);
            assertEquals(summary.get("best_val_loss").asDouble(), row.bestValLoss());
            assertEquals(summary.get("best_val_step").asLong(), row.bestValStep());
            assertEquals(summary.get("wall_s").asDouble(), row.wallSeconds());
            assertEquals(summary.get("tokens_per_s").asDouble(), row.tokensPerSecond());
            assertEquals(row.bestValLoss(), variant.bestValLoss().mean());
            assertEquals(row.wallSeconds(), variant.wallSeconds().mean());
            assertEquals(1, variant.bestValLoss().n());
        }
        JsonNode json = JsonMapper.shared().readTree(Files.readString(sweep.config().out().resolve(SweepReport.JSON)));
        assertEquals(result.runs().get(1).bestValLoss(), json.get("runs").get(1).get("best_val_loss").asDouble());
        String report = Files.readString(sweep.config().out().resolve(SweepReport.MARKDOWN));
        assertTrue(report.contains(String.format(java.util.Locale.ROOT, "%.4f", result.runs().get(0).bestValLoss())), report);
        assertTrue(Files.size(sweep.config().out().resolve(SweepReport.CURVES)) > 1000);
    }

    private static List<SweepRun.Status> statuses(Sweep sweep) {
        return sweep.runs().stream().map(SweepRun::status).toList();
    }

    private static List<String> metricsFiles(Sweep sweep) throws IOException {
        List<String> texts = new ArrayList<>();
        for (SweepRun run : sweep.runs()) {
            texts.add(Files.readString(run.folder().metrics()));
        }
        return texts;
    }

    /** Counts the steps trained (over every run) and sets {@code stop} once {@code stopAt} were. */
    private static final class StepCounter implements MetricsSink {
        final AtomicInteger count = new AtomicInteger();
        final List<Long> steps = new ArrayList<>();
        private final int stopAt;
        private final AtomicBoolean stop;

        StepCounter(int stopAt, AtomicBoolean stop) {
            this.stopAt = stopAt;
            this.stop = stop;
        }

        @Override
        public void step(StepMetrics metrics) {
            steps.add(metrics.step());
            if (count.incrementAndGet() == stopAt) {
                stop.set(true);
            }
        }
    }

    @Test
    void forgettingIsEachRunsBestCheckpointAgainstTheBaseModelOnTheGeneralDataset() throws IOException {
        Path file = sweepFile("general");
        Sweep sweep = Sweep.plan(file);
        assertTrue(sweep.train(1, ProgressListener.NONE, null, new AtomicBoolean()));
        // The general dataset is not part of a run's delta: the same runs, now with the forgetting column.
        Files.writeString(file, Files.readString(file) + "general_dataset: " + dir.resolve("data") + "\n");
        Sweep scored = Sweep.plan(file);
        assertEquals(sweep.runs().stream().map(SweepRun::dir).toList(), scored.runs().stream().map(SweepRun::dir).toList());

        SweepResult result = SweepResult.of(scored, ProgressListener.NONE, new AtomicBoolean());

        // Scored independently, the runs in the other order: each run's difference must land on its own row.
        RetuneConfig config = dev.retune.config.ConfigLoader.load(base, List.of("data.dataset=" + dir.resolve("data")));
        FitComparison fit = HeldOutFit.compare(config, List.of(ModelLocation.folder(dir.resolve("tiny"), List.of()),
                        ModelLocation.run(scored.runs().get(1).dir(), CheckpointChoice.DEFAULT),
                        ModelLocation.run(scored.runs().get(0).dir(), CheckpointChoice.DEFAULT)),
                HeldOutFit.Options.DEFAULT, ProgressListener.NONE, new AtomicBoolean());
        assertEquals(fit.differences().get(1).loss(), result.runs().get(0).forgetting(), 1e-9);
        assertEquals(fit.differences().get(0).loss(), result.runs().get(1).forgetting(), 1e-9);
        assertEquals(result.runs().get(1).forgetting(), result.variants().get(1).forgetting().mean(), 1e-12);
    }

    @Test
    void hashOfTheDeltaIsStable() {
        // Pinned: a change of the canonical form would orphan every existing sweep folder.
        assertEquals(SweepRun.hash(new TreeMap<>(Map.of("a.b", "1", "train.seed", "2"))),
                SweepRun.hash(new TreeMap<>(Map.of("train.seed", "2", "a.b", "1"))));
        // sha256 of "train.seed=2\n" (printf 'train.seed=2\n' | sha256sum), first 8 hex digits.
        assertEquals("6f21355e", SweepRun.hash(new TreeMap<>(Map.of("train.seed", "2"))));
    }
}
