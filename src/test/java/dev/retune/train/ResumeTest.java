package dev.retune.train;

import dev.retune.ProgressListener;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.train.metrics.MetricsSink;
import dev.retune.train.metrics.StepMetrics;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Exact resume: 20 steps in one go and 10 steps + an interruption + a rerun of the same command give the same loss at
 * every step (fp32, CPU), with dropout, CFG dropout, random crops and a cosine schedule all active.
 */
class ResumeTest {

    @TempDir
    static Path dir;

    private static RetuneConfig config;

    @BeforeAll
    static void configure() throws Exception {
        Path yaml = Files.writeString(dir.resolve("resume.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + Path.of("datasets/demo").toAbsolutePath() + ", segment_seconds: 1, batch_size: 2,"
                        + " cache_dir: " + dir.resolve("cache") + "}",
                "optim: {lr: 0.002}",
                "schedule: {kind: cosine, warmup_steps: 3}",
                "train: {max_steps: 20, cfg_dropout_p: 0.3, word_dropout_p: 0.1, seed: 5}",
                "eval: {every: 7}",
                "checkpoint: {every: 4, keep_last: 2}",
                ""));
        config = ConfigLoader.load(yaml, List.of());
    }

    @Test
    void tenStepsThenResumeEqualsTwentyStraight() throws Exception {
        assertResumeIsExact(config, "plain");
    }

    @Test
    void resumeAcrossUnfreezingStagesIsExact() throws Exception {
        RetuneConfig staged = ConfigLoader.load(dir.resolve("resume.yaml"), List.of(
                "adapt.unfreeze.stages=[{name: top, groups: [heads, final_norm]},"
                        + " {name: last, start_step: 5, groups: ['layers[-1:]'], lr_mult: 0.5, warmup_steps: 3},"
                        + " {name: first, start_step: 12, groups: ['layers[0:1]', embeddings], lr_mult: 0.25}]",
                "optim.layer_decay=2.0"));
        assertResumeIsExact(staged, "staged");
    }

    /** 20 steps in one go equal 10 steps, an interruption and a rerun, loss for loss. */
    private static void assertResumeIsExact(RetuneConfig config, String name) throws Exception {
        Path straight = dir.resolve(name + "-straight");
        Path resumed = dir.resolve(name + "-resumed");

        assertEquals(Trainer.Outcome.COMPLETED, run(config, straight, Long.MAX_VALUE).outcome());
        Trainer.Result interrupted = run(config, resumed, 10);
        Trainer.Result finished = run(config, resumed, Long.MAX_VALUE);

        assertEquals(Trainer.Outcome.INTERRUPTED, interrupted.outcome());
        assertEquals(10, interrupted.steps());
        assertEquals(20, finished.steps());
        double[] expected = losses(straight);
        double[] actual = losses(resumed);
        assertEquals(20, expected.length);
        assertArrayEquals(expected, actual, 0.0, "losses must match step by step");
        assertTrue(expected[19] < expected[0], "the loss falls");
    }

    /** Runs the config in {@code runDir}, asking for a stop (as SIGINT would) after step {@code stopAfter}. */
    private static Trainer.Result run(RetuneConfig config, Path runDir, long stopAfter) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        MetricsSink stopper = new MetricsSink() {
            @Override
            public void step(StepMetrics metrics) {
                if (metrics.step() >= stopAfter) {
                    stop.set(true);
                }
            }
        };
        return new TrainRun(config, runDir).run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, stopper), stop);
    }

    private static double[] losses(Path runDir) throws Exception {
        return Files.readAllLines(runDir.resolve("metrics.jsonl")).stream()
                .map(line -> JsonMapper.shared().readTree(line))
                .filter(node -> "step".equals(node.get("type").asString()))
                .mapToDouble(node -> node.get("loss").asDouble())
                .toArray();
    }
}
