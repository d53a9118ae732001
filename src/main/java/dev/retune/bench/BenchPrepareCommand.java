package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.ProgressListener;
import dev.retune.config.ConfigLoader;
import dev.retune.data.AudioEncoder;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import dev.retune.model.TinyTokenizer;
import dev.retune.model.WeightInit;
import dev.retune.train.TrainRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Preparing long files into a fresh token cache through {@link TrainRun#prepareData} (what {@code retune data prepare}
 * runs): × realtime, peak resident memory and the kernel's share of the CPU time, for one file of each length. The
 * files are synthesized once (chords and noise, 44.1 kHz stereo FLAC, so decoding, resampling and the downmix are part
 * of the work) and each measurement runs in a fresh JVM, since a process's peak memory only rises. The model is the
 * preset's architecture with a random codec; its text encoder and LM are allocated but never written, so they take no
 * resident memory and the figures are the codec's and the data path's.
 */
@Command(name = "prepare",
        mixinStandardHelpOptions = true,
        description = "Time preparing long audio files into a fresh token cache (x realtime, peak memory), each in a fresh process (CPU).",
        footer = {"", "Examples:", "  retune bench prepare --codec tiny", "  retune bench prepare --codec small --minutes 1,10,60"})
final class BenchPrepareCommand implements Callable<Integer> {

    private static final int SOURCE_RATE = 44_100;

    @Option(names = "--codec", split = ",", paramLabel = "PRESET", description = "Presets whose codec prepares the files (default: tiny,small).")
    List<String> codecs = List.of("tiny", "small");

    @Option(names = "--minutes", split = ",", paramLabel = "M", description = "File lengths (default: 1,10,60).")
    List<Double> lengths = List.of(1.0, 10.0, 60.0);

    @Option(names = "--measure", hidden = true, paramLabel = "PRESET:DATASET", description = "Prepare one dataset folder in this process and print the figures as JSON.")
    String measure;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (measure != null) {
            int colon = measure.indexOf(':');
            out.println(JsonMapper.shared().writeValueAsString(measureHere(measure.substring(0, colon), Path.of(measure.substring(colon + 1)))));
            out.flush();
            return ExitCode.OK;
        }
        try {
            table(out);
            return ExitCode.OK;
        } catch (BenchProcess.Failed e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return e.exitCode;
        }
    }

    /** One row per length and codec; the files live in a temp folder removed at the end. */
    private void table(PrintWriter out) throws IOException {
        Path work = Files.createTempDirectory("retune-bench-prepare");
        try {
            out.printf(Locale.ROOT, "One synthesized 44.1 kHz stereo FLAC per length, prepared to 32 kHz mono codes in a fresh cache; %d threads; each row a fresh JVM.%n%n",
                    torch.get_num_threads());
            out.println("| codec | file | wall | × realtime | peak resident | before encoding | system share of CPU |");
            out.println("|---|---|---|---|---|---|---|");
            out.flush();
            for (double minutes : lengths) {
                Path dataset = synthesize(work.resolve(String.format(Locale.ROOT, "data-%smin", minutes)), minutes * 60);
                for (String codec : codecs) {
                    List<String> lines = BenchProcess.run(List.of("bench", "prepare", "--measure", codec + ":" + dataset));
                    JsonNode row = JsonMapper.shared().readTree(lines.get(lines.size() - 1));
                    out.printf(Locale.ROOT, "| %s | %s min | %.1f s | %.1f | %.2f GB | %.2f GB | %.0f %% |%n", codec, BenchFiles.minutes(minutes),
                            row.get("wall").asDouble(), minutes * 60 / row.get("wall").asDouble(), row.get("peak").asLong() / 1e9,
                            row.get("before").asLong() / 1e9, 100 * row.get("system_share").asDouble());
                    out.flush();
                }
                BenchFiles.delete(dataset);
            }
        } finally {
            BenchFiles.delete(work);
        }
    }

    /** Prepares {@code dataset} with {@code preset}'s codec into a fresh cache beside it; the cache is removed after. */
    private Map<String, Object> measureHere(String preset, Path dataset) throws IOException {
        Path work = Files.createTempDirectory(dataset.getParent(), "measure-" + preset + "-");
        try {
            Path modelDir = Files.createDirectories(work.resolve("model"));
            TinyTokenizer.write(modelDir.resolve("tokenizer.json")); // read by prepareData for the training texts only
            Path config = Files.writeString(work.resolve("config.yaml"), String.join("\n",
                    "model:", "  path: " + modelDir, "  preset: " + preset,
                    "data:", "  dataset: " + dataset, "  sample_rate: 32000", "  channels: 1", "  segment_seconds: 4",
                    "  batch_size: 1",
                    "  cache_dir: " + work.resolve("cache"), ""));
            TrainRun run = new TrainRun(ConfigLoader.load(config, List.of()), work.resolve("run"));
            MusicgenForConditionalGeneration model = modelWithRandomCodec(preset);
            BenchProcess.Usage before = BenchProcess.Usage.now();
            long start = System.nanoTime();
            run.prepareData(model, ProgressListener.NONE, new AtomicBoolean());
            double wall = (System.nanoTime() - start) / 1e9;
            BenchProcess.Usage after = BenchProcess.Usage.now();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("codec", preset);
            row.put("dataset", dataset.toString());
            row.put("wall", wall);
            row.put("cpu", after.cpuSecondsSince(before));
            row.put("system_share", after.systemShareSince(before));
            row.put("before", before.residentBytes());
            row.put("peak", after.peakResidentBytes());
            return row;
        } finally {
            BenchFiles.delete(work);
        }
    }

    /**
     * The preset's model with its text encoder and LM allocated but never written, and random codec weights (a normal
     * of variance 1 / fan-in for weights and codebooks, zero for vectors): the codec does the same work as a trained one.
     */
    private static MusicgenForConditionalGeneration modelWithRandomCodec(String preset) {
        MusicgenForConditionalGeneration model;
        try (WeightInit.Scope shapesOnly = WeightInit.skip()) {
            model = new MusicgenForConditionalGeneration(MusicgenConfig.preset(preset));
        }
        torch.manual_seed(0);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor tensor : StateDict.of(model.audio_encoder).values()) {
                if (tensor.dim() >= 2) {
                    double fanIn = (double) tensor.numel() / tensor.size(0);
                    tensor.copy_(torch.randn(tensor.sizes().vec().get()).mul(new Scalar(1 / Math.sqrt(fanIn))));
                } else {
                    tensor.zero_();
                }
            }
        }
        return model;
    }

    /** A dataset folder holding one file of {@code seconds}: chords changing every two seconds and a little noise. */
    private static Path synthesize(Path dataset, double seconds) throws IOException {
        Files.createDirectories(dataset);
        Files.writeString(dataset.resolve("metadata.csv"), "file_name,description,split\ntrack.flac,\"synthesized chords, slow\",train\n");
        double[] roots = {220.0, 174.61, 261.63, 196.0};
        SplittableRandom noise = new SplittableRandom(1);
        long frames = Math.round(seconds * SOURCE_RATE);
        try (AudioEncoder.Writer writer = AudioEncoder.open(dataset.resolve("track.flac"), 2, SOURCE_RATE, AudioEncoder.Options.DEFAULT)) {
            for (long start = 0; start < frames; start += SOURCE_RATE) {
                float[][] block = new float[2][(int) Math.min(SOURCE_RATE, frames - start)];
                for (int i = 0; i < block[0].length; i++) {
                    double t = (double) (start + i) / SOURCE_RATE;
                    double root = roots[(int) (t / 2) % roots.length];
                    double chord = Math.sin(2 * Math.PI * root * t) + 0.6 * Math.sin(2 * Math.PI * root * 1.26 * t)
                            + 0.5 * Math.sin(2 * Math.PI * root * 1.5 * t);
                    double n = noise.nextDouble() - 0.5;
                    block[0][i] = (float) (0.25 * chord + 0.05 * n);
                    block[1][i] = (float) (0.2 * chord - 0.05 * n);
                }
                writer.write(block);
            }
            writer.finish();
        }
        return dataset;
    }
}
