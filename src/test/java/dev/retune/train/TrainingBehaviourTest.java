package dev.retune.train;

import dev.retune.ProgressListener;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.adapt.PeftAdapter;
import dev.retune.config.ConfigLoader;
import dev.retune.model.Safetensors;
import dev.retune.run.Checkpointer;
import dev.retune.run.RunLock;
import dev.retune.run.TrainerState;
import dev.retune.train.metrics.MetricsSink;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * End-to-end behaviour of {@link TrainRun} on CPU with the tiny preset: bf16 autocast, divergence, early stopping,
 * gradient accumulation, EMA, the token cache and the run folder's files. All tests share one model folder and one
 * token cache, over a six-track subset of {@code datasets/demo} (four train, two valid) so encoding stays cheap.
 */
class TrainingBehaviourTest {

    /** Four training and two validation tracks of datasets/demo, in several containers. */
    private static final int TRAIN_TRACKS = 4;
    private static final int BATCH = 2;

    @TempDir
    static Path dir;

    private static Path yaml;

    @BeforeAll
    static void configure() throws IOException {
        Path dataset = DemoSubset.copyTo(dir.resolve("data"));
        yaml = Files.writeString(dir.resolve("behaviour.yaml"), String.join("\n",
                "model: {path: " + dir.resolve("tiny") + ", preset: tiny, seed: 3}",
                "data: {dataset: " + dataset + ", segment_seconds: 1, batch_size: " + BATCH + ", cache_dir: " + dir.resolve("cache") + "}",
                "optim: {lr: 0.003}",
                "schedule: {kind: constant, warmup_steps: 0}",
                "train: {cfg_dropout_p: 0.0, seed: 5}",
                "eval: {every: 100}",
                "checkpoint: {every: 100, keep_last: 2}",
                ""));
    }

    @Test
    void bf16AutocastOnCpuTrainsAndDiffersFromFp32() throws Exception {
        Run bf16 = run("bf16", "precision.mode=bf16", "train.max_steps=8");
        Run fp32 = run("fp32", "train.max_steps=1");

        double[] losses = bf16.losses();
        assertEquals(8, losses.length);
        assertTrue(Arrays.stream(losses).allMatch(Double::isFinite), Arrays.toString(losses));
        assertTrue(losses[7] < losses[0], "the bf16 loss falls: " + Arrays.toString(losses));
        // Same weights, same first batch: only the compute dtype differs, so equal losses mean autocast did nothing.
        assertNotEquals(fp32.losses()[0], losses[0], "bf16's first loss must not be the fp32 one bit for bit");
        assertEquals(fp32.losses()[0], losses[0], 0.05 * fp32.losses()[0], "bf16 stays close to fp32");
    }

    @Test
    void divergenceNamesTheStepAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path runDir = dir.resolve("diverged");
        DivergedException e = assertThrows(DivergedException.class,
                () -> run("diverged", "optim.lr=1e6", "train.clip_norm=0", "train.max_steps=30", "checkpoint.every=1"));

        long[] steps = records(runDir, "step").stream().mapToLong(r -> r.get("step").asLong()).toArray();
        long divergedAt = steps.length + 1;
        assertArrayEquals(LongStream.rangeClosed(1, steps.length).toArray(), steps);
        assertTrue(e.getMessage().contains("diverged at step " + divergedAt), e.getMessage());
        assertTrue(e.getMessage().contains(divergedAt == 1 ? "no checkpoint was written before it"
                : "the last good checkpoint, of step " + (divergedAt - 1) + ", is kept"), e.getMessage());
        assertEquals("diverged", summary(runDir).get("exit_reason").asString());
        assertEquals(divergedAt - 1, summary(runDir).get("steps").asLong());

        List<String> warnings = new ArrayList<>();
        Optional<Checkpointer.Saved> latest = new Checkpointer(runDir, 2).latest(warnings);
        assertEquals(List.of(), warnings, "no checkpoint may be damaged");
        if (divergedAt == 1) {
            assertTrue(latest.isEmpty(), "nothing was trained, so nothing may be saved");
        } else {
            assertEquals(divergedAt - 1, latest.orElseThrow().state().step(), "the checkpoint of the last good step");
            try (Safetensors weights = Safetensors.open(latest.get().dir().resolve("trainable.safetensors"))) {
                for (String name : weights.names()) {
                    assertTrue(torch.isfinite(weights.tensor(name, ScalarType.Float)).all().item_bool(),
                            name + " of the kept checkpoint must be finite");
                }
            }
        }
    }

    @Test
    void divergenceBeforeTheFirstCheckpointSaysThatNoneIsKept() {
        DivergedException e = assertThrows(DivergedException.class,
                () -> run("diverged-early", "optim.lr=1e6", "train.clip_norm=0", "train.max_steps=30", "checkpoint.every=1000",
                        "eval.every=1000"));

        assertTrue(e.getMessage().contains("no checkpoint was written before it"), e.getMessage());
        assertFalse(e.getMessage().contains("is kept"), e.getMessage());
    }

    @Test
    void aStopThatArrivesAsAnEvaluationBeginsAbandonsItAndCheckpointsTheStep() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        MetricsSink signal = metrics -> stop.set(metrics.step() == 2); // SIGINT right after step 2, before its evaluation
        Path runDir = dir.resolve("stop-in-eval");

        Trainer.Result result = new TrainRun(ConfigLoader.load(yaml, List.of("eval.every=2", "train.max_steps=10")), runDir)
                .run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, signal), stop);

        assertEquals(Trainer.Outcome.INTERRUPTED, result.outcome());
        assertEquals(2, result.steps());
        assertEquals(List.of(), records(runDir, "eval"), "the evaluation of step 2 was abandoned");
        assertEquals(2, new Checkpointer(runDir, 2).latest(new ArrayList<>()).orElseThrow().state().step());
    }

    @Test
    void patienceStopsEarlyAfterThatManyEvalsWithoutImprovement() throws Exception {
        // A learning rate far below fp32's resolution of the weights: the validation loss cannot improve.
        Run run = run("patience", "optim.lr=1e-12", "optim.weight_decay=0", "eval.every=1", "eval.patience=2",
                "train.max_steps=12");

        assertEquals(Trainer.Outcome.EARLY_STOPPED, run.result().outcome());
        assertTrue(run.result().steps() < 12, "stopped before max_steps: " + run.result().steps());
        List<JsonNode> evals = records(run.dir(), "eval");
        assertEquals(run.result().steps(), evals.size(), "one eval per step");
        assertTrue(evals.get(0).get("best").asBoolean(), "the first eval is the best so far");
        int lastBest = 0;
        for (int i = 0; i < evals.size(); i++) {
            if (evals.get(i).get("best").asBoolean()) {
                lastBest = i;
            }
        }
        assertEquals(2, evals.size() - 1 - lastBest, "stops after exactly `patience` evals without a new best");
        assertEquals("early_stopped", summary(run.dir()).get("exit_reason").asString());
        assertEquals(run.result().steps(), new Checkpointer(run.dir(), 2).latest(new ArrayList<>()).orElseThrow().state().step(),
                "an early stop writes a checkpoint");
    }

    @Test
    void gradAccumulationCountsOptimizerStepsAndConsumesMicroBatches() throws Exception {
        // 4 tracks / batch 2 = 2 batches per epoch; 2 epochs = 4 micro-batches = 2 optimizer steps of 2.
        Run run = run("accum", "train.grad_accum=2", "train.epochs=2");

        assertEquals(Trainer.Outcome.COMPLETED, run.result().outcome());
        assertEquals(2, run.result().steps());
        assertArrayEquals(new long[] {1, 2}, records(run.dir(), "step").stream().mapToLong(r -> r.get("step").asLong()).toArray());
        TrainerState state = new Checkpointer(run.dir(), 2).latest(new ArrayList<>()).orElseThrow().state();
        assertEquals(2, state.step());
        assertEquals(4, state.epoch() * (TRAIN_TRACKS / BATCH) + state.batchInEpoch(), "micro-batches consumed");
        assertEquals(2, summary(run.dir()).get("steps").asLong());
    }

    @Test
    void epochOfAStepIsTheEpochOfItsBatches() throws Exception {
        // 4 tracks / batch 2 = 2 steps per epoch: steps 1-2 train on epoch 0, steps 3-4 on epoch 1.
        Run run = run("epochs", "train.epochs=2");

        assertArrayEquals(new long[] {0, 0, 1, 1}, records(run.dir(), "step").stream().mapToLong(r -> r.get("epoch").asLong()).toArray());
        assertEquals(2, summary(run.dir()).get("epochs").asInt(), "summary.json: epochs reached");
    }

    @Test
    void bestCheckpointOutlivesKeepLast() throws Exception {
        // The validation loss cannot improve after step 1 (lr far below fp32's resolution), so step 1 stays the best.
        Run run = run("keep-best", "optim.lr=1e-12", "optim.weight_decay=0", "eval.every=1", "checkpoint.every=1",
                "checkpoint.keep_last=1", "train.max_steps=3");

        assertEquals(List.of("step-0000001", "step-0000003"), checkpointFolders(run.dir()));
        assertEquals(1, new Checkpointer(run.dir(), 1).best().orElseThrow().state().step());
        assertEquals(1, summary(run.dir()).get("best_val_step").asLong());
    }

    @Test
    void keepBestFalseLetsKeepLastPruneTheBest() throws Exception {
        Run run = run("no-keep-best", "optim.lr=1e-12", "optim.weight_decay=0", "eval.every=1", "checkpoint.every=1",
                "checkpoint.keep_last=1", "checkpoint.keep_best=false", "train.max_steps=3");

        assertEquals(List.of("step-0000003"), checkpointFolders(run.dir()));
    }

    @Test
    void emaIsEvaluatedAndCheckpointed() throws Exception {
        Run run = run("ema", "ema.enabled=true", "ema.decay=0.9", "eval.every=2", "train.max_steps=4");

        List<JsonNode> evals = records(run.dir(), "eval");
        assertEquals(List.of(2L, 4L), evals.stream().map(r -> r.get("step").asLong()).toList());
        assertTrue(evals.stream().allMatch(r -> r.get("ema").asBoolean()), evals.toString());
        Path checkpoint = new Checkpointer(run.dir(), 2).latest(new ArrayList<>()).orElseThrow().dir();
        Path emaFile = checkpoint.resolve("ema.safetensors");
        assertTrue(Files.isRegularFile(emaFile));
        try (Safetensors ema = Safetensors.open(emaFile);
             Safetensors weights = Safetensors.open(checkpoint.resolve("trainable.safetensors"))) {
            assertEquals(weights.names(), ema.names(), "the average covers every trainable tensor");
            boolean differs = false;
            for (String name : weights.names()) {
                differs |= !torch.equal(weights.tensor(name, ScalarType.Float), ema.tensor(name, ScalarType.Float));
            }
            assertTrue(differs, "the EMA weights lag the trained ones");
        }
    }

    @Test
    void secondRunOnTheSameCacheEncodesNothing() throws Exception {
        run("cache-1", "train.max_steps=1");
        Map<Path, String> before = cacheEntries();
        run("cache-2", "train.max_steps=1");

        assertEquals(DemoSubset.FILES.size(), before.size(), "one cache entry per track: " + before.keySet());
        assertEquals(before, cacheEntries(), "no entry may be written again");
    }

    @Test
    void runFolderHoldsMetricsPlotAndHashedSummary() throws Exception {
        Run run = run("files", "eval.every=2", "train.max_steps=4");

        List<JsonNode> steps = records(run.dir(), "step");
        assertEquals(List.of(1L, 2L, 3L, 4L), steps.stream().map(r -> r.get("step").asLong()).toList());
        for (JsonNode step : steps) {
            assertTrue(step.get("loss").isNumber() && Double.isFinite(step.get("loss").asDouble()), step.toString());
            assertTrue(step.get("lr").isNumber() && step.get("lr").asDouble() > 0, step.toString());
        }
        assertEquals(List.of(2L, 4L), records(run.dir(), "eval").stream().map(r -> r.get("step").asLong()).toList());

        byte[] png = Files.readAllBytes(run.dir().resolve("loss.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, Arrays.copyOf(png, 8));
        BufferedImage image = ImageIO.read(run.dir().resolve("loss.png").toFile());
        assertNotNull(image, "loss.png decodes");
        assertTrue(image.getWidth() > 0 && image.getHeight() > 0);

        JsonNode files = summary(run.dir()).get("files");
        Map<String, String> listed = new TreeMap<>();
        files.properties().forEach(e -> listed.put(e.getKey(), e.getValue().asString()));
        assertEquals(filesWithHashes(run.dir()), listed, "summary.json lists the sha256 of every other file");
        assertTrue(listed.containsKey("metrics.jsonl") && listed.containsKey("loss.png") && listed.containsKey("config.yaml"));
        assertTrue(listed.keySet().stream().anyMatch(k -> k.startsWith("checkpoints/step-0000004/")), listed.keySet().toString());
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void loraTrainsOnlyTheAdaptersAndWritesPeftFiles() throws Exception {
        Run run = run("lora", "adapt.method=lora", "adapt.lora.r=4", "adapt.lora.target_modules=self_attn|lm_heads",
                "train.max_steps=3");

        Path checkpoint = new Checkpointer(run.dir(), 2).latest(new ArrayList<>()).orElseThrow().dir();
        Set<String> trained;
        try (Safetensors weights = Safetensors.open(checkpoint.resolve("trainable.safetensors"))) {
            trained = weights.names();
        }
        assertFalse(trained.isEmpty());
        assertTrue(trained.stream().allMatch(n -> n.endsWith(".lora_A.weight") || n.endsWith(".lora_B.weight")), trained.toString());
        // The adapter moved away from its zero init; the frozen base (loaded again from disk) is untouched by design.
        PeftAdapter.LoadedAdapter adapter = PeftAdapter.read(run.dir().resolve("adapter"));
        assertEquals(4, adapter.config().r());
        assertTrue(adapter.weights().entrySet().stream()
                .filter(e -> e.getKey().endsWith("lora_B.weight"))
                .anyMatch(e -> e.getValue().abs().max().item_double() > 0), "some lora_B left zero init");
        assertEquals(trained.size(), adapter.weights().size());
    }

    @Test
    void partialFineTuningTrainsOnlyTheMatchedParameters() throws Exception {
        Run run = run("partial", "adapt.method=partial", "adapt.partial.patterns=[lm_heads, 'layers\\.1\\.fc']",
                "train.max_steps=2");

        Path checkpoint = new Checkpointer(run.dir(), 2).latest(new ArrayList<>()).orElseThrow().dir();
        try (Safetensors weights = Safetensors.open(checkpoint.resolve("trainable.safetensors"))) {
            assertEquals(Set.of("decoder.lm_heads.0.weight", "decoder.lm_heads.1.weight", "decoder.lm_heads.2.weight",
                    "decoder.lm_heads.3.weight", "decoder.model.decoder.layers.1.fc1.weight",
                    "decoder.model.decoder.layers.1.fc2.weight"), weights.names());
        }
    }

    @Test
    void bottleneckAdaptersTrainOnlyTheAdapters() throws Exception {
        Run run = run("adapters", "adapt.method=adapters", "adapt.adapters.size=8", "train.max_steps=2");

        Path checkpoint = new Checkpointer(run.dir(), 2).latest(new ArrayList<>()).orElseThrow().dir();
        try (Safetensors weights = Safetensors.open(checkpoint.resolve("trainable.safetensors"))) {
            assertFalse(weights.names().isEmpty());
            assertTrue(weights.names().stream().allMatch(n -> n.contains(".adapter_")), weights.names().toString());
        }
    }

    @Test
    void planCountsExactlyWhatTheRunTrains() throws Exception {
        for (String[] method : new String[][] {
                {"adapt.method=lora", "adapt.lora.r=4"},
                {"adapt.method=partial", "adapt.partial.patterns=[lm_heads]"},
                {"adapt.method=full"}}) {
            List<String> overrides = new ArrayList<>(List.of(method));
            overrides.add("train.max_steps=1");
            Run run = run("plan-" + method[0].substring(13), overrides.toArray(String[]::new));
            Plan.Stage stage = Plan.of(ConfigLoader.load(yaml, overrides)).stages().get(0);

            Path checkpoint = new Checkpointer(run.dir(), 2).latest(new ArrayList<>()).orElseThrow().dir();
            long trained = 0;
            try (Safetensors weights = Safetensors.open(checkpoint.resolve("trainable.safetensors"))) {
                for (String name : weights.names()) {
                    trained += weights.info(name).numel();
                }
            }
            assertEquals(trained, stage.trainableParams(), method[0]);
            assertEquals(trained, stage.groups().stream().mapToLong(Plan.Group::params).sum(), method[0]);
        }
    }

    @Test
    void discriminativeRatesAndSlantedTriangularScheduleTrainAndPlanTheSameGroups() throws Exception {
        String[] overrides = {"optim.layer_decay=2.6", "schedule.kind=slanted_triangular", "train.max_steps=3"};
        Run run = run("ulmfit", overrides);

        assertEquals(3, run.result().steps());
        List<Plan.Group> groups = Plan.of(ConfigLoader.load(yaml, List.of(overrides))).stages().get(0).groups();
        Plan.Group layer0 = groups.stream().filter(g -> g.name().equals("layer00.decay")).findFirst().orElseThrow();
        Plan.Group layer1 = groups.stream().filter(g -> g.name().equals("layer01.decay")).findFirst().orElseThrow();
        assertEquals(2.6, layer1.lr() / layer0.lr(), 1e-9);
    }

    @Test
    void progressiveUnfreezingChangesExactlyThePlannedGroupsAtEachStage() throws Exception {
        String[] overrides = {"adapt.unfreeze.stages=[{name: top, start_step: 0, groups: [heads]},"
                + " {name: last, start_step: 2, groups: ['layers[-1:]'], lr_mult: 0.5},"
                + " {name: first, start_step: 4, groups: ['layers[0:1]'], lr_mult: 0.25}]",
                "train.max_steps=6", "checkpoint.every=2", "checkpoint.keep_last=5"};
        Run run = run("unfreeze", overrides);

        Path checkpoints = run.dir().resolve("checkpoints");
        Map<String, Tensor> base = new LinkedHashMap<>();
        try (Safetensors weights = Safetensors.open(dir.resolve("tiny").resolve("model.safetensors"))) {
            for (String name : weights.names()) {
                base.put(name, weights.tensor(name, torch.ScalarType.Float));
            }
        }
        Set<String> changedBy2 = changedSince(base, checkpoints.resolve("step-0000002"));
        Set<String> changedBy4 = changedSince(base, checkpoints.resolve("step-0000004"));
        Set<String> changedBy6 = changedSince(base, checkpoints.resolve("step-0000006"));

        assertTrue(changedBy2.stream().allMatch(n -> n.startsWith("decoder.lm_heads.")), "stage 0 only: " + changedBy2);
        assertFalse(changedBy2.isEmpty());
        assertTrue(changedBy4.stream().anyMatch(n -> n.contains(".layers.1.")), "layer 1 opens at step 2");
        assertTrue(changedBy4.stream().noneMatch(n -> n.contains(".layers.0.")), "layer 0 waits for step 4: " + changedBy4);
        assertTrue(changedBy6.stream().anyMatch(n -> n.contains(".layers.0.")), "layer 0 trains from step 4");
        try (Safetensors weights = Safetensors.open(checkpoints.resolve("step-0000006").resolve("trainable.safetensors"))) {
            assertTrue(weights.names().stream().noneMatch(n -> n.contains("embed_tokens")), "embeddings are in no stage");
        }
        Plan plan = Plan.of(ConfigLoader.load(yaml, List.of(overrides)));
        assertEquals(List.of(0L, 2L, 4L), plan.stages().stream().map(Plan.Stage::start).toList());
        assertTrue(plan.stages().get(0).trainableParams() < plan.stages().get(1).trainableParams());
        assertTrue(plan.stages().get(1).trainableParams() < plan.stages().get(2).trainableParams());
    }

    /** Trainable weights of a checkpoint that differ from the base model's. */
    private static Set<String> changedSince(Map<String, Tensor> base, Path checkpoint) {
        Set<String> changed = new TreeSet<>();
        try (Safetensors weights = Safetensors.open(checkpoint.resolve("trainable.safetensors"))) {
            for (String name : weights.names()) {
                if (!torch.equal(base.get(name), weights.tensor(name, torch.ScalarType.Float))) {
                    changed.add(name);
                }
            }
        }
        return changed;
    }

    /** A finished run: its folder and result. */
    record Run(Path dir, Trainer.Result result) {
        double[] losses() throws IOException {
            return records(dir, "step").stream().mapToDouble(r -> r.get("loss").asDouble()).toArray();
        }
    }

    private static Run run(String name, String... overrides) throws Exception {
        Path runDir = dir.resolve(name);
        var config = ConfigLoader.load(yaml, List.of(overrides));
        Trainer.Result result = new TrainRun(config, runDir)
                .run(new TrainRun.Output(true, new StringWriter(), ProgressListener.NONE, null), new AtomicBoolean());
        return new Run(runDir, result);
    }

    static List<JsonNode> records(Path runDir, String type) throws IOException {
        return Files.readAllLines(runDir.resolve("metrics.jsonl")).stream()
                .map(line -> JsonMapper.shared().readTree(line))
                .filter(node -> type.equals(node.get("type").asString()))
                .toList();
    }

    static JsonNode summary(Path runDir) throws IOException {
        return JsonMapper.shared().readTree(Files.readString(runDir.resolve("summary.json")));
    }

    private static List<String> checkpointFolders(Path runDir) throws IOException {
        try (Stream<Path> entries = Files.list(runDir.resolve("checkpoints"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-")).sorted().toList();
        }
    }

    /** Every cache entry with its modification time and file key: a rewrite (temp file + rename) changes both. */
    private static Map<Path, String> cacheEntries() throws IOException {
        Map<Path, String> entries = new HashMap<>();
        try (Stream<Path> walk = Files.walk(dir.resolve("cache"))) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                entries.put(p, a.lastModifiedTime() + " " + a.fileKey());
            }
        }
        assertTrue(entries.keySet().stream().allMatch(p -> p.toString().endsWith(".tokens")), entries.keySet().toString());
        return entries;
    }

    /** sha256 of every regular file under the run folder but summary.json, computed here independently. */
    private static Map<String, String> filesWithHashes(Path runDir) throws Exception {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(runDir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String relative = runDir.relativize(p).toString().replace('\\', '/');
                if (!relative.equals("summary.json") && !relative.equals(RunLock.FILE_NAME)) { // the training lock is not part of the run
                    hashes.put(relative, sha256(p));
                }
            }
        }
        return hashes;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            digest.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
