package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.config.ConfigLoader;
import dev.retune.config.RetuneConfig;
import dev.retune.data.DescriptionMerger;
import dev.retune.model.DelayPattern;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.TextTokenizer;
import dev.retune.model.TinyTokenizer;
import dev.retune.run.Checkpointer;
import dev.retune.train.MemoryEstimate;
import dev.retune.train.Trainer;
import dev.retune.train.TrainingData;
import dev.retune.train.TrainingSetup;
import dev.retune.train.distributed.Distributed;
import dev.retune.train.metrics.MetricsSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch_cuda;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calibration of {@link MemoryEstimate}: real training steps (random weights and tokens, the real {@link Trainer}),
 * one fresh JVM per row since a process's peak only rises, against the estimate of the same step. On CPU the measured
 * figure is the process's peak resident memory less its resident memory before the model existed (the JVM and the
 * native libraries, measured the same way in the same process); on CUDA libtorch's peak allocated bytes.
 */
@Command(name = "memory",
        mixinStandardHelpOptions = true,
        description = "Estimated against measured peak memory of training steps, each row in a fresh process.",
        footer = {"", "Examples:",
            "  retune bench memory",
            "  retune bench memory --preset tiny --method full --precision fp32 --seconds 4 --batch 32",
            "  retune bench memory --preset small --batch 1 --seconds 1,3 --method full,lora --device cuda"})
final class BenchMemoryCommand implements Callable<Integer> {

    /**
     * The measuring JVM's heap is fixed and touched at start: it is all resident in the baseline already and cannot
     * grow into the measured figure (Java objects of a step are small wrappers; the tensors are native).
     */
    static final List<String> FIXED_HEAP = List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch");

    @Option(names = "--preset", split = ",", description = "Presets (default: tiny).")
    List<String> presets = List.of("tiny");

    @Option(names = "--method", split = ",", description = "full and/or lora (rank 16 on the default targets) (default: full,lora).")
    List<String> methods = List.of("full", "lora");

    @Option(names = "--precision", split = ",", description = "fp32 and/or bf16 (default: fp32,bf16).")
    List<String> precisions = List.of("fp32", "bf16");

    @Option(names = "--seconds", split = ",", description = "Segment lengths (default: 2,5).")
    List<Double> lengths = List.of(2.0, 5.0);

    @Option(names = "--batch", description = "Segments per step (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--grad-accum", description = "Micro-batches of --batch segments per step (default: ${DEFAULT-VALUE}).")
    int gradAccum = 1;

    @Option(names = "--steps", description = "Steps per row; the peak is reached from the second on, with AdamW's moments (default: ${DEFAULT-VALUE}).")
    int steps = 3;

    @Option(names = "--device", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Option(names = "--measure", hidden = true, paramLabel = "PRESET:METHOD:PRECISION:SECONDS", description = "Measure one row in this process; print JSON.")
    String measure;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--device must be cpu or cuda, found " + device);
        }
        if (device.equals("cuda") && !torch.cuda_is_available()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--device cuda: no CUDA device is available (CPU build of libtorch, or no GPU)");
        }
        if (batch < 1 || steps < 2 || gradAccum < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch and --grad-accum must be at least 1 and --steps at least 2, found "
                    + batch + ", " + gradAccum + " and " + steps);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (measure != null) {
            String[] p = measure.split(":");
            out.println(JsonMapper.shared().writeValueAsString(measureHere(p[0], p[1], p[2], Double.parseDouble(p[3]))));
            out.flush();
            return ExitCode.OK;
        }
        out.printf(Locale.ROOT, "Training steps on random tokens, batch %d × %d micro-batches, %d steps, %s, %d threads; each row a fresh JVM. Measured: %s.%n%n",
                batch, gradAccum, steps, device, torch.get_num_threads(), device.equals("cuda") ? "libtorch's peak allocated bytes"
                        : "peak resident memory (VmHWM) less the resident memory before the model (the JVM and libraries)");
        out.println("| model | method | precision | segment | baseline | measured | estimate | error | largest terms |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        out.flush();
        try {
            for (String preset : presets) {
                for (String method : methods) {
                    for (String precision : precisions) {
                        for (double seconds : lengths) {
                            row(out, preset, method, precision, seconds);
                        }
                    }
                }
            }
        } catch (BenchProcess.Failed e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return e.exitCode;
        }
        return ExitCode.OK;
    }

    private void row(PrintWriter out, String preset, String method, String precision, double seconds) {
        List<String> lines = BenchProcess.run(FIXED_HEAP, List.of("bench", "memory", "--batch", Integer.toString(batch), "--steps", Integer.toString(steps),
                "--grad-accum", Integer.toString(gradAccum),
                "--device", device, "--measure", preset + ":" + method + ":" + precision + ":" + seconds));
        JsonNode r = JsonMapper.shared().readTree(lines.get(lines.size() - 1));
        long measured = r.get("measured").asLong();
        long estimate = r.get("estimate").asLong();
        out.printf(Locale.ROOT, "| %s | %s | %s | %s s (%d steps) | %.0f MB | %.0f MB | %.0f MB | %+.1f %% | %s |%n", preset,
                method.equals("lora") ? "LoRA r=16" : "full", precision, seconds, r.get("steps").asInt(), r.get("baseline").asLong() / 1e6,
                measured / 1e6, estimate / 1e6, 100.0 * (estimate - measured) / measured, r.get("terms").asString());
        out.flush();
    }

    /** One row: the estimate, then the real steps, in this (fresh) process. */
    private Map<String, Object> measureHere(String preset, String method, String precision, double seconds) throws IOException {
        boolean cuda = device.equals("cuda");
        Device target = new Device(cuda ? "cuda:0" : "cpu");
        // The baseline: the JVM and libraries after two steps of a minimal model by the same path (classes, JIT code,
        // OpenMP threads, oneDNN's kernels loaded), whose own tensors are a few MB.
        train(MusicgenConfig.preset("tiny"), runConfig("tiny", method, precision, 0.1, 1), 0.1, 1, target);
        System.gc();
        long baseline = BenchProcess.Usage.now().residentBytes();
        torch.manual_seed(0);
        MusicgenConfig config = MusicgenConfig.preset(preset);
        RetuneConfig run = runConfig(preset, method, precision, seconds, batch);
        MemoryEstimate estimate = train(config, run, seconds, batch, target);
        long measured = cuda ? torch_cuda.getAllocator().getDeviceStats((byte) 0).allocated_bytes().peak()
                : BenchProcess.Usage.now().peakResidentBytes() - baseline;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("steps", steps);
        row.put("baseline", baseline);
        row.put("measured", measured);
        row.put("estimate", estimate.measurable());
        row.put("terms", largestTerms(estimate));
        row.put("estimate_terms", estimate);
        return row;
    }

    /** Trains {@code steps} steps of {@code run} on random tokens; returns the estimate made just before. */
    private MemoryEstimate train(MusicgenConfig config, RetuneConfig run, double seconds, int batch, Device target) throws IOException {
        boolean cuda = target.is_cuda();
        MusicgenForConditionalGeneration model = new MusicgenForConditionalGeneration(config);
        model.to(target, ScalarType.Float, false);
        Path work = Files.createTempDirectory("retune-bench-memory");
        try {
            Path tokenizer = work.resolve("tokenizer.json");
            TinyTokenizer.write(tokenizer);
            int frames = (int) Math.round(seconds * config.audioEncoder().frameRate());
            TrainingData data = new TrainingData(BenchTrainCommand.randomExamples(config, frames, batch * steps * gradAccum), List.of(), TextTokenizer.load(tokenizer),
                    DescriptionMerger.OFF, new DelayPattern(config.decoder().numCodebooks(), config.decoder().specialToken()),
                    new TrainingData.Options(batch, frames, 1.0, 0, 0, 0, TextTokenizer.MAX_PROMPT_TOKENS));
            TrainingSetup setup = TrainingSetup.resolve(run, model, data.batchesPerEpoch(), target);
            int textTokens = (int) data.trainBatch(0, 0).textIds().size(1);
            MemoryEstimate estimate = MemoryEstimate.of(run, config, MemoryEstimate.Counts.of(model, setup), frames, textTokens, cuda ? "cuda" : "cpu");
            if (cuda) {
                torch_cuda.getAllocator().resetPeakStats((byte) 0);
            }
            new Trainer(model, setup, data, new Checkpointer(work, 1), MetricsSink.NONE, Distributed.single()).train(new AtomicBoolean(), null);
            return estimate;
        } finally {
            BenchFiles.delete(work);
        }
    }

    /** The run as a config: the trainable set and optimizer come from the same {@link TrainingSetup} as a real run's. */
    private RetuneConfig runConfig(String preset, String method, String precision, double seconds, int batch) {
        List<String> keys = new ArrayList<>(List.of("model.preset=" + preset, "precision.mode=" + precision, "train.max_steps=" + steps,
                "data.batch_size=" + batch, "train.grad_accum=" + gradAccum, "data.segment_seconds=" + seconds, "schedule.kind=constant", "optim.lr=1e-4",
                "eval.every=" + Integer.MAX_VALUE, "checkpoint.every=" + Integer.MAX_VALUE, "device.kind=" + device));
        keys.addAll(method.equals("lora") ? List.of("adapt.method=lora", "adapt.lora.r=16") : List.of("adapt.method=full"));
        return ConfigLoader.fromOverrides(keys);
    }

    /** The estimate's three largest terms, e.g. "weights 2.35 GB, moments 3.36 GB, layers 0.40 GB". */
    static String largestTerms(MemoryEstimate e) {
        Map<String, Long> terms = new LinkedHashMap<>();
        terms.put("weights", e.weights());
        terms.put("gradients", e.gradients());
        terms.put("moments", e.optimizerMoments());
        terms.put("16-bit weight copies", e.castWeights());
        terms.put("decoder layers", e.decoderLayers());
        terms.put("embeddings", e.decoderEnds());
        terms.put("logits and loss", e.logitsAndLoss());
        terms.put("text encoder", e.textEncoder());
        return terms.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(3)
                .map(t -> String.format(Locale.ROOT, "%s %.0f MB", t.getKey(), t.getValue() / 1e6)).reduce((x, y) -> x + ", " + y).orElse("");
    }
}
