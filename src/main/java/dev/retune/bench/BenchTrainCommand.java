package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.Json;
import dev.retune.config.DeviceConfig;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.data.Split;
import dev.retune.data.TokenCache;
import dev.retune.data.Track;
import dev.retune.model.DelayPattern;
import dev.retune.model.Devices;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TextTokenizer;
import dev.retune.model.TinyTokenizer;
import dev.retune.run.Checkpointer;
import dev.retune.train.Trainer;
import dev.retune.train.TrainingData;
import dev.retune.train.TrainingSetup;
import dev.retune.train.distributed.Distributed;
import dev.retune.train.distributed.LocalLauncher;
import dev.retune.train.metrics.MetricsSink;
import dev.retune.train.metrics.StepMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Training-step throughput on random tokens, through the real {@link Trainer} (full fine-tuning of the LM, AdamW,
 * frozen T5 under no-grad, loss, backward, clipping): tokens/s and ms/step, and resident memory over the run.
 */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = "Time training steps of a preset on random tokens (CPU or GPU), fp32, bf16 or fp16 autocast.",
        footer = {"", "Examples:",
            "  retune bench train --preset tiny --precision fp32 --steps 20",
            "  retune bench train --preset small --precision bf16 --batch 1 --seconds 10 --steps 3",
            "  retune bench train --preset tiny --seconds 1 --steps 3000 --memory-every 500",
            "  retune bench train --preset small --device cuda --precision fp16 --lora-rank 16 --json"})
final class BenchTrainCommand implements Callable<Integer> {

    /** Every fake track's description. */
    private static final String DESCRIPTION = "a warm analog pad in a minor, slow attack";

    @Option(names = "--preset", description = "tiny or small (default: ${DEFAULT-VALUE}).")
    String preset = "tiny";

    @Option(names = "--precision", description = "fp32, bf16 or fp16 (fp16: CUDA only, with the loss scaler; default: ${DEFAULT-VALUE}).")
    String precision = "fp32";

    @Option(names = "--device", paramLabel = "KIND", defaultValue = "cpu", description = "auto (CUDA when available), cpu or cuda (default: ${DEFAULT-VALUE}).")
    DeviceConfig.Kind deviceKind;

    @Option(names = "--json", description = "Print the run as one JSON object instead of a Markdown row.")
    boolean json;

    @Option(names = "--batch", description = "Segments per step (default: ${DEFAULT-VALUE}).")
    int batch = 4;

    @Option(names = "--seconds", description = "Segment length in seconds (default: ${DEFAULT-VALUE}).")
    double seconds = 3;

    @Option(names = "--steps", description = "Timed steps after 2 warm-up steps (default: ${DEFAULT-VALUE}).")
    int steps = 20;

    @Option(names = "--lora-rank", description = "Train LoRA adapters of this rank on the default targets instead of the full LM (0 = full).")
    int loraRank = 0;

    @Option(names = "--adapter-size", description = "Train bottleneck adapters of this width instead (0 = off).")
    int adapterSize = 0;

    @Option(names = "--nproc", paramLabel = "N", description = "Data-parallel over N worker processes (Gloo), each with --batch segments (default: ${DEFAULT-VALUE}).")
    int nproc = 1;

    @Option(names = "--memory-every", description = "Report resident memory every N steps (0 = only at the end).")
    int memoryEvery = 0;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * One run's figures ({@code --json} prints it).
     *
     * @param flopsPerStep model FLOPs of one step, counted from the shapes ({@link TrainFlops}); 0 with adapters
     * @param skippedSteps timed steps the fp16 loss scaler skipped (inf/NaN gradients)
     */
    record Result(String preset, String method, String precision, String device, long trainableParameters, int batch, double seconds,
                  int frames, int threads, int ranks, double msPerStep, double tokensPerSecond, double flopsPerStep, long skippedSteps,
                  double firstResidentMb, double lastResidentMb, double peakResidentMb) {}

    @Override
    public Integer call() throws IOException {
        Optional<Distributed.Env> env = Distributed.Env.from(System.getenv());
        if (nproc > 1 && env.isEmpty()) {
            return LocalLauncher.run(nproc, List.of("bench", "train", "--preset", preset, "--precision", precision, "--batch", Integer.toString(batch),
                    "--seconds", Double.toString(seconds), "--steps", Integer.toString(steps), "--lora-rank", Integer.toString(loraRank),
                    "--adapter-size", Integer.toString(adapterSize), "--memory-every", Integer.toString(memoryEvery),
                    "--device", deviceKind.value()), spec.commandLine().getErr());
        }
        Result result = run(env);
        if (result == null) {
            return ExitCode.OK; // rank 0 reports for all
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.of(result));
        } else {
            out.printf("| %s | %s | %s | %,d | %d × %.0f s (%d frames) | %d | %.0f | %.0f | %.1f → %.1f MB (peak %.1f) |%n", result.preset(),
                    result.method(), result.precision(), result.trainableParameters(), result.batch(), result.seconds(), result.frames(),
                    result.threads(), result.msPerStep(), result.tokensPerSecond(), result.firstResidentMb(), result.lastResidentMb(),
                    result.peakResidentMb());
        }
        out.flush();
        return ExitCode.OK;
    }

    /** Trains {@code steps + 2} steps and returns the timed ones' figures (null on a rank other than 0). */
    Result run(Optional<Distributed.Env> env) throws IOException {
        if (!List.of("fp32", "bf16", "fp16").contains(precision)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--precision must be fp32, bf16 or fp16, found " + precision);
        }
        if (steps < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be at least 1, found " + steps);
        }
        Device device = Devices.select(new DeviceConfig(deviceKind, null));
        if (precision.equals("bf16")) {
            Devices.warnIfSoftwareBf16(device);
        }
        if (precision.equals("fp16") && !device.is_cuda()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--precision fp16 needs a CUDA device (found " + device.str().getString()
                    + "); use bf16 on the CPU");
        }
        if (env.isPresent() && device.is_cuda()) {
            device = new Device("cuda:" + env.get().localRank());
        }
        try (Distributed dist = Distributed.join(env, device, 600_000)) {
            return measure(dist, device);
        }
    }

    /**
     * The run as a config, so the trainable set, optimizer groups, schedule and step plan come from the same
     * {@link TrainingSetup} as a real run's; a constant rate, no validation, one checkpoint at the end.
     */
    private RetuneConfig runConfig() {
        List<String> keys = new ArrayList<>(List.of("model.preset=" + preset, "precision.mode=" + precision,
                "train.max_steps=" + (steps + 2), "data.batch_size=" + batch, "data.segment_seconds=" + seconds,
                "schedule.kind=constant", "optim.lr=1e-4", "eval.every=" + Integer.MAX_VALUE, "checkpoint.every=" + Integer.MAX_VALUE));
        if (loraRank > 0) {
            keys.addAll(List.of("adapt.method=lora", "adapt.lora.r=" + loraRank));
        } else if (adapterSize > 0) {
            keys.addAll(List.of("adapt.method=adapters", "adapt.adapters.size=" + adapterSize));
        } else {
            keys.add("adapt.method=full");
        }
        return ConfigLoader.fromOverrides(keys);
    }

    private Result measure(Distributed dist, Device device) throws IOException {
        // The run's folder holds the checkpoint written at the end (4.9 GB for small's full fine-tune): never left behind.
        Path work = Files.createTempDirectory("retune-bench-train");
        try {
            return measure(dist, device, work);
        } finally {
            BenchFiles.delete(work);
        }
    }

    private Result measure(Distributed dist, Device device, Path work) throws IOException {
        int ranks = dist.worldSize();
        torch.manual_seed(0);
        MusicgenConfig config = MusicgenConfig.preset(preset);
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(config);
        model.to(device, false);
        Path tokenizerFile = work.resolve("tokenizer.json");
        TinyTokenizer.write(tokenizerFile);
        int frames = (int) Math.round(seconds * config.audioEncoder().frameRate());
        TrainingData data = new TrainingData(randomExamples(config, frames, batch * 2 * ranks), List.of(), TextTokenizer.load(tokenizerFile),
                dev.retune.data.DescriptionMerger.OFF, new DelayPattern(config.decoder().numCodebooks(), config.decoder().specialToken()),
                new TrainingData.Options(batch, frames, 1.0, 0, 0, 0, TextTokenizer.MAX_PROMPT_TOKENS));
        data.shard(dist.rank(), ranks);
        TrainingSetup setup = TrainingSetup.resolve(runConfig(), model, data.batchesPerEpoch(), device);
        long trainableCount = setup.adaptation().trainableParameters();
        List<StepMetrics> measured = new ArrayList<>();
        PrintWriter out = spec.commandLine().getOut();
        MetricsSink sink = new MetricsSink() {
            @Override
            public void step(StepMetrics m) {
                if (m.step() > 2) {
                    measured.add(m);
                }
                if (memoryEvery > 0 && m.step() % memoryEvery == 0) {
                    out.printf("  step %d: resident %.1f MB%n", m.step(), m.nativeBytes() / 1e6);
                    out.flush();
                }
            }
        };
        new Trainer(model, setup, data, new Checkpointer(work, 1), sink, dist).train(new AtomicBoolean(), null);
        if (!dist.isMain()) {
            return null;
        }
        double[] ms = measured.stream().mapToDouble(m -> m.stepSeconds() * 1000).sorted().toArray();
        double[] tokens = measured.stream().mapToDouble(StepMetrics::tokensPerSecond).sorted().toArray();
        long peak = measured.stream().mapToLong(StepMetrics::nativeBytes).max().orElse(0);
        long textTokens;
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            textTokens = tokenizer.encode(List.of(DESCRIPTION), TextTokenizer.MAX_PROMPT_TOKENS).length();
        }
        // Per rank: each runs batch segments in the step time that the median measures.
        double flops = adapterSize > 0 ? 0 : TrainFlops.of(config, batch, frames, textTokens, loraRank).perStep();
        Result result = new Result(preset, loraRank > 0 ? "LoRA r=" + loraRank : adapterSize > 0 ? "adapters m=" + adapterSize : "full", precision,
                device.str().getString(), trainableCount, batch, seconds, frames, torch.get_num_threads(), ranks, ms[ms.length / 2],
                tokens[tokens.length / 2], flops, measured.stream().filter(StepMetrics::skipped).count(), measured.get(0).nativeBytes() / 1e6,
                measured.get(measured.size() - 1).nativeBytes() / 1e6, peak / 1e6);
        if (ranks > 1) {
            out.printf("  %d processes × %d threads, %d segments per rank: %.0f ms/step, %.0f tokens/s (all ranks); gradient all-reduce "
                            + "of %.1f MB: %.1f ms/step in flight, %.1f ms after backward%n",
                    ranks, torch.get_num_threads(), batch, ms[ms.length / 2], tokens[tokens.length / 2], trainableCount * 4 / 1e6,
                    dist.allReduceSecondsPerStep() * 1000, dist.exposedAllReduceSecondsPerStep() * 1000);
        }
        return result;
    }

    /** Random codes for {@code count} fake tracks (never read from disk: the codes are given). */
    static List<TrainingData.Example> randomExamples(MusicgenConfig config, int frames, int count) {
        SplittableRandom random = new SplittableRandom(1);
        int k = config.decoder().numCodebooks();
        List<TrainingData.Example> examples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            short[] codes = new short[k * frames];
            for (int j = 0; j < codes.length; j++) {
                codes[j] = (short) random.nextInt(config.decoder().vocabSize());
            }
            Track track = new Track(i + 2, "random-" + i, Path.of("random-" + i), DESCRIPTION, Map.of(), Split.TRAIN);
            examples.add(new TrainingData.Example(track, new TokenCache.Codes(codes, k, frames)));
        }
        return examples;
    }
}
