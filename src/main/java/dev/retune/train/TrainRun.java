package dev.retune.train;

import dev.retune.Log;
import dev.retune.ProgressListener;
import dev.retune.adapt.Adaptation;
import dev.retune.config.ConfigException;
import dev.retune.config.ConfigLoader;
import dev.retune.config.ModelConfig;
import dev.retune.config.PrecisionConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.data.AudioFormat;
import dev.retune.data.Dataset;
import dev.retune.data.DatasetIndex;
import dev.retune.data.DatasetOptions;
import dev.retune.data.DescriptionMerger;
import dev.retune.data.TokenCache;
import dev.retune.model.DelayPattern;
import dev.retune.model.Devices;
import dev.retune.model.ModelException;
import dev.retune.model.ModelFolder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.SafetensorsException;
import dev.retune.model.StateDict;
import dev.retune.model.TextTokenizer;
import dev.retune.run.Checkpointer;
import dev.retune.run.RunFolder;
import dev.retune.run.RunHistory;
import dev.retune.run.RunLock;
import dev.retune.run.RunSummary;
import dev.retune.run.TrainerState;
import dev.retune.train.distributed.Distributed;
import dev.retune.train.metrics.CompositeSink;
import dev.retune.train.metrics.ConsoleSink;
import dev.retune.train.metrics.JsonlSink;
import dev.retune.train.metrics.MetricsSink;
import dev.retune.train.metrics.PlotSink;
import dev.retune.train.metrics.TensorBoardSink;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One training run from a resolved config: the run folder, the model (loaded, or created from a preset), the
 * dataset's codec tokens (through the token cache), optimizer, schedule and sinks; then {@link Trainer#train} and
 * {@code summary.json}. Rerunning on the same folder resumes from its latest checkpoint.
 */
public final class TrainRun {

    /**
     * Where output goes: progress and messages to the console (stderr), or with {@code json} JSON lines to
     * {@code stdout}; {@code extra} (may be null) also receives every metric, for programs embedding a run.
     * {@code trainingBegins} (may be null) is given the resolved setup once the model is loaded and the data encoded,
     * just before the first step: from then on a stop must wait for the current step and its checkpoint, while before it a process
     * may simply end (everything written before it is written atomically).
     */
    public record Output(boolean json, Writer stdout, ProgressListener progress, MetricsSink extra,
                         Consumer<TrainingSetup> trainingBegins) {

        public Output(boolean json, Writer stdout, ProgressListener progress, MetricsSink extra) {
            this(json, stdout, progress, extra, null);
        }
    }

    /** How long a rank waits for the others (rendezvous, collectives, rank 0 preparing the token cache). */
    private static final long DIST_TIMEOUT_MS = 30 * 60 * 1000;

    private final RetuneConfig config;
    private final Path runDir;

    public TrainRun(RetuneConfig config, Path runDir) {
        this.config = config;
        this.runDir = runDir;
    }

    /**
     * Trains; with a torchrun-style environment ({@code WORLD_SIZE} &gt; 1) this process is one rank of a data-parallel
     * run: it joins the process group, and only rank 0 writes files and reports.
     */
    public Trainer.Result run(Output output, AtomicBoolean stop) throws IOException {
        Optional<Distributed.Env> env = Distributed.Env.from(System.getenv());
        Device selected = Devices.select(config.device());
        if (env.isPresent() && selected.is_cuda() && env.get().localRank() >= torch.cuda_device_count()) {
            throw new ConfigException("rank " + env.get().rank() + " wants GPU cuda:" + env.get().localRank() + " (LOCAL_RANK), but this machine has "
                    + torch.cuda_device_count() + "; start at most one process per GPU (or set device.kind: cpu)");
        }
        if (config.precision().mode() == PrecisionConfig.Mode.FP16 && !selected.is_cuda()) {
            throw new ConfigException("precision.mode fp16 needs a CUDA device; use bf16 on CPU");
        }
        if (config.precision().mode() == PrecisionConfig.Mode.BF16) {
            Devices.warnIfSoftwareBf16(selected);
        }
        Device device = env.isPresent() && selected.is_cuda() ? new Device("cuda:" + env.get().localRank()) : selected;
        try (Distributed dist = Distributed.join(env, device, DIST_TIMEOUT_MS)) {
            return run(output, stop, device, dist);
        }
    }

    private Trainer.Result run(Output output, AtomicBoolean stop, Device device, Distributed dist) throws IOException {
        dist.requireSame("config", sha256Long(ConfigLoader.toYaml(config))); // before any rank acts on it
        segmentFrames(config, Plan.modelConfig(config.model())); // a segment longer than the model's positions fails here, before any work
        // Rank 0 holds the run's lock until it is done: a second trainer on this folder is refused, and anyone can see it runs.
        try (RunLock lock = dist.isMain() ? RunLock.acquire(runDir) : null) {
            return runLocked(output, stop, device, dist);
        }
    }

    private Trainer.Result runLocked(Output output, AtomicBoolean stop, Device device, Distributed dist) throws IOException {
        boolean main = dist.isMain();
        RunFolder folder = new RunFolder(runDir);
        if (main) {
            folder.removeAbandonedWrites();
        }
        dist.barrier(); // no rank looks for checkpoints while rank 0 cleans up
        Checkpointer checkpointer = new Checkpointer(runDir, config.checkpoint().keepLast(), config.checkpoint().keepBest());
        List<String> warnings = new ArrayList<>();
        Checkpointer.Saved resume = checkpointer.latest(warnings).orElse(null); // every checkpoint damaged: an error, nothing touched
        if (resume != null) {
            folder.requireSameConfig(config);
        }
        Log.Handler outside = Log.handler(); // where the sinks' own failures go: never into the sinks
        try (MetricsSink console = main ? console(output) : MetricsSink.NONE; Log.Route toConsole = Log.routeTo(console::message)) {
            warnings.forEach(console::message);
            if (resume != null && lengthNotRaised(resume.state(), folder.previousConfig())) {
                return finished(resume, console);
            }
            // Rank 0 creates what is shared (a preset model folder, the token cache) before the others read it.
            MusicgenForConditionalGeneration model = mainFirst(dist, () -> loadModel(device));
            if (dist.worldSize() == 1 && stop.get()) {
                throw new StopRequestedException("stopped after loading the model, before training");
            }
            Adaptation adaptation = Adaptation.apply(model, config.adapt());
            console.message(RunLines.start(config, runDir, adaptation.trainableParameters(), device, resume));
            TrainingData data = mainFirst(dist, () -> prepareData(model, main ? output.progress() : ProgressListener.NONE, stop));
            if (dist.worldSize() > 1) {
                dist.broadcast(List.copyOf(adaptation.trainable().values())); // freshly initialised adapters start equal everywhere
                dist.requireSame("model (parameter names, shapes and values)", fingerprint(model));
            }
            data.shard(dist.rank(), dist.worldSize());
            TrainingSetup setup = TrainingSetup.resolve(config, model, adaptation, data.batchesPerEpoch(), device);
            if (resume != null && resume.state().step() >= setup.totalSteps()) {
                return finished(resume, console);
            }
            // Only now, with the model loaded and the data ready, does the run folder get this start's files.
            if (main) {
                Files.createDirectories(runDir);
                folder.writeConfig(config);
            }
            // Dropout draws from libtorch's global generator: seed it so a run does not depend on what ran before it in
            // this process (a resumed run restores the checkpoint's generator state instead).
            torch.manual_seed(config.train().seed());
            if (output.trainingBegins() != null) {
                output.trainingBegins().accept(setup);
            }
            return train(model, setup, data, checkpointer, resume, device, dist, console, output, stop, outside);
        }
    }

    private Trainer.Result train(MusicgenForConditionalGeneration model, TrainingSetup setup, TrainingData data,
                                 Checkpointer checkpointer, Checkpointer.Saved resume, Device device, Distributed dist,
                                 MetricsSink console, Output output, AtomicBoolean stop, Log.Handler outside) {
        boolean main = dist.isMain();
        RunFolder folder = new RunFolder(runDir);
        long started = System.nanoTime();
        Trainer.Result result = null;
        DivergedException diverged = null;
        try (MetricsSink sink = main ? fileSinks(folder, console, output, outside) : MetricsSink.NONE;
             Log.Route toSinks = Log.routeTo(sink::message)) {
            if (dist.worldSize() > 1) {
                sink.message("data-parallel on " + dist.worldSize() + " ranks (" + (device.is_cuda() ? "NCCL" : "Gloo") + "): global batch = "
                        + config.data().batchSize() + " segments per rank × " + dist.worldSize() + " ranks × " + config.train().gradAccum()
                        + " accumulation = " + config.data().batchSize() * dist.worldSize() * config.train().gradAccum() + " segments per step");
            }
            Trainer trainer = new Trainer(model, setup, data, checkpointer, sink, dist);
            try {
                result = trainer.train(stop, resume);
            } catch (DivergedException e) {
                sink.message(e.getMessage());
                diverged = e;
            }
            if (main) {
                RunSummary.ExitReason reason = exitReason(result, diverged);
                sink.message(RunLines.end(runDir, reason, RunSummary.of(RunHistory.read(folder.metrics()), reason), (System.nanoTime() - started) / 1e9));
            }
        }
        Adaptation adaptation = setup.adaptation();
        if (main && adaptation.hasAdapterExport()) {
            // The method's adapter on its own (LoRA: PEFT files, loadable onto the transformers model); the checkpoints hold the same weights.
            adaptation.writeAdapter(folder.adapter(), config.model().path() != null ? ModelFolder.name(folder.modelFolder(config))
                    : "preset:" + config.model().preset().value());
        }
        if (main) {
            // After the sinks closed, so metrics.jsonl and loss.png are final when the summary hashes them.
            RunSummary.of(RunHistory.read(folder.metrics()), exitReason(result, diverged)).write(runDir);
        }
        if (diverged != null) {
            throw diverged;
        }
        return result;
    }

    private static RunSummary.ExitReason exitReason(Trainer.Result result, DivergedException diverged) {
        return diverged != null ? RunSummary.ExitReason.DIVERGED : RunSummary.ExitReason.valueOf(result.outcome().name());
    }

    /**
     * Whether a run that finished (all its steps, or stopped by {@code eval.patience}) is asked for no more than it
     * did: the config's length is the same or shorter. Made longer, it trains on.
     */
    private boolean lengthNotRaised(TrainerState state, RetuneConfig previous) {
        if (state.finished() == null) {
            return false;
        }
        Integer maxSteps = config.train().maxSteps();
        if (maxSteps != null) {
            return maxSteps <= (state.plannedSteps() != null ? state.plannedSteps() : state.step());
        }
        return previous != null && previous.train().maxSteps() == null && config.train().epochs() <= previous.train().epochs();
    }

    /** A run with nothing left to train says so in one line, and the result says so too. */
    private Trainer.Result finished(Checkpointer.Saved at, MetricsSink console) {
        TrainerState s = at.state();
        console.message(RunLines.finished(runDir, s));
        return new Trainer.Result(Trainer.Outcome.ALREADY_FINISHED, s.step(), s.bestValidLoss(), s.bestStep(), s.tokensSeen(), 0);
    }

    /** Runs {@code work} on rank 0, then (after a barrier) on the other ranks. */
    private static <T> T mainFirst(Distributed dist, Supplier<T> work) {
        T result = dist.isMain() ? work.get() : null;
        dist.barrier();
        return dist.isMain() ? result : work.get();
    }

    /** A cheap fingerprint of every parameter and buffer: names, shapes and sums (float64). */
    private static long fingerprint(MusicgenForConditionalGeneration model) {
        long hash = 17;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : StateDict.of(model).entrySet()) {
                hash = 31 * hash + e.getKey().hashCode();
                hash = 31 * hash + Arrays.hashCode(e.getValue().sizes().vec().get());
                hash = 31 * hash + Double.hashCode(e.getValue().to(ScalarType.Double).sum().item_double());
            }
        }
        return hash;
    }

    private static long sha256Long(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Encodes every track into the token cache (what {@code retune data prepare} runs on its own), streaming each file
     * through the codec a chunk at a time on {@link EncodePlan}'s workers. When {@code stop} is set it stops at the next
     * chunk with a {@link StopRequestedException}: what is cached stays cached, a file under way leaves nothing, so a
     * rerun encodes only what is missing.
     */
    public TrainingData prepareData(MusicgenForConditionalGeneration model, ProgressListener progress, AtomicBoolean stop) {
        List<TrainingData.Example> train = new ArrayList<>();
        List<TrainingData.Example> valid = new ArrayList<>();
        for (TrainingData.Example example : encodeDataset(config, model, progress, stop)) {
            (example.track().split() == dev.retune.data.Split.TRAIN ? train : valid).add(example);
        }
        if (train.isEmpty()) {
            throw new NoTrainingDataException(Path.of(config.data().dataset()).toAbsolutePath().normalize()
                    + ": no usable training tracks (run `retune data check` for details)");
        }
        TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile());
        DescriptionMerger merger = new DescriptionMerger(new DescriptionMerger.Options(config.data().text().mergeP(),
                config.data().text().replaceP(), config.data().text().dropFieldP(), config.data().text().fields()), config.train().seed());
        return new TrainingData(train, valid, tokenizer, merger,
                new DelayPattern(model.config().decoder().numCodebooks(), model.config().decoder().specialToken()),
                dataOptions(config, model.config()));
    }

    /**
     * Every usable track of {@code data.dataset} with its whole-file codes from {@code model}'s codec (through the token
     * cache, as {@link #prepareData}), in the dataset's order, each with its split; the rows skipped are logged.
     */
    public static List<TrainingData.Example> encodeDataset(RetuneConfig config, MusicgenForConditionalGeneration model,
                                                           ProgressListener progress, AtomicBoolean stop) {
        DatasetIndex index = Dataset.scan(Path.of(config.data().dataset()),
                new DatasetOptions(config.data().validFraction(), config.data().allowOutsidePaths()));
        AudioFormat format = new AudioFormat(config.data().sampleRate(), config.data().channels());
        EncodePlan plan = EncodePlan.of(model.audio_encoder, config.data());
        CodecTokens codec = new CodecTokens(model.audio_encoder, format, plan.chunkFrames());
        TokenCache cache = config.data().useCache() ? new TokenCache(cacheDir(config), codec.identity()) : null;
        List<TrainingData.Example> examples = new DatasetEncoder(codec, cache, format, plan.workers()).encode(index.tracks(), progress, stop);
        index.problems().forEach(p -> Log.info("skipping " + p.kind().id() + ": " + p.message()));
        return examples;
    }

    /** How {@code config} cuts and describes examples for a model of {@code model}'s shape (segment frames checked). */
    public static TrainingData.Options dataOptions(RetuneConfig config, MusicgenConfig model) {
        return new TrainingData.Options(config.data().batchSize(), segmentFrames(config, model), config.data().minSegmentRatio(),
                config.train().seed(), config.train().wordDropoutP(), config.train().cfgDropoutP(), TextTokenizer.MAX_PROMPT_TOKENS);
    }

    /**
     * Codec frames per training segment. The decoder sees them plus the delay pattern's K - 1 steps, which must fit
     * its position table: checked before any work, since too long a segment would only fail at the first step (or
     * not allocate at all).
     */
    static int segmentFrames(RetuneConfig config, MusicgenConfig model) {
        double seconds = config.data().segmentSeconds();
        int frameRate = model.audioEncoder().frameRate();
        int codebooks = model.decoder().numCodebooks();
        int positions = model.decoder().maxPositionEmbeddings();
        double frames = Math.rint(seconds * frameRate);
        if (frames < 1) {
            throw new ConfigException(String.format(Locale.ROOT, "data.segment_seconds %s is shorter than one codec frame (1/%d s of %s)",
                    seconds, frameRate, modelSource(config.model())));
        }
        if (frames + codebooks - 1 > positions) {
            double most = Math.floor((positions - codebooks + 1) * 1000.0 / frameRate) / 1000;
            throw new ConfigException(String.format(Locale.ROOT, "data.segment_seconds %s needs %.0f decoder positions (%d codec frames/s + %d for the "
                    + "delay pattern), but the model has decoder.max_position_embeddings %d (%s): set data.segment_seconds to at most %s",
                    seconds, frames + codebooks - 1, frameRate, codebooks - 1, positions, modelSource(config.model()), most));
        }
        return (int) frames;
    }

    private static String modelSource(ModelConfig m) {
        Path file = m.path() == null ? null : Path.of(m.path()).resolve(ModelFolder.CONFIG);
        return file != null && Files.exists(file) ? file.toString() : "preset " + m.preset().value();
    }

    /** Loads {@code model.path}; creates it from {@code model.preset} first when it does not exist yet. */
    public MusicgenForConditionalGeneration loadModel(Device device) {
        ModelConfig m = config.model().requireSource();
        Path dir = new RunFolder(runDir).modelFolder(config);
        if (!Files.exists(dir.resolve(ModelFolder.CONFIG))) {
            if (m.preset() == null) {
                throw new ConfigException("model.path " + dir + " holds no model (config.json missing); set model.preset to create one");
            }
            createPreset(dir, m);
        }
        return ModelFolder.load(dir, ScalarType.Float, device).model();
    }

    private void createPreset(Path dir, ModelConfig m) {
        String preset = m.preset().value();
        if (!preset.equals("tiny")) {
            throw new ConfigException(dir + " holds no model (no config.json): put the downloaded facebook/musicgen-"
                    + preset + " folder there, or point model.path at your copy (--set model.path=...); only the tiny preset is created from scratch");
        }
        // Written beside the target and renamed into place: a failed write (a full disk) leaves no half model
        // folder that a later run would take for a model.
        Path target = dir.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + Long.toHexString(System.nanoTime()));
        try {
            ModelFolder.createPreset(preset, m.seed(), temp, ScalarType.Float);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING); // replaces only an empty folder
        } catch (IOException | ModelException | SafetensorsException e) {
            throw new TrainingException("cannot create the tiny model in " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteTree(temp);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover hidden temporary folder is never read as a model.
        }
    }

    private Path tokenizerFile() {
        Path dir = new RunFolder(runDir).modelFolder(config);
        return dir.resolve(ModelFolder.TOKENIZER);
    }

    private static Path cacheDir(RetuneConfig config) {
        return config.data().cacheDir() != null ? Path.of(config.data().cacheDir())
                : Path.of(System.getProperty("user.home"), ".cache", "retune", "tokens");
    }

    /** Where a person (stderr) or a build server ({@code --json} on stdout) follows the run. */
    private MetricsSink console(Output output) {
        return output.json() ? JsonlSink.toWriter(output.stdout()) : ConsoleSink.onStderr(config.train().logEvery());
    }

    /**
     * The run folder's records (metrics.jsonl appended to, loss.png with the earlier segments), then the console and
     * the caller's sink. Opening metrics.jsonl is the first write of a segment: when it fails (a full disk) training
     * does not start.
     */
    private MetricsSink fileSinks(RunFolder folder, MetricsSink console, Output output, Log.Handler failures) {
        RunHistory earlier = RunHistory.read(folder.metrics());
        List<MetricsSink> sinks = new ArrayList<>();
        sinks.add(JsonlSink.appendTo(folder.metrics()));
        sinks.add(new PlotSink(folder.plot(), runDir.getFileName().toString(), earlier));
        sinks.add(new TensorBoardSink(folder.dir(), folder.plot()));
        sinks.add(console);
        if (output.extra() != null) {
            sinks.add(output.extra());
        }
        return new CompositeSink(sinks, failures);
    }
}
