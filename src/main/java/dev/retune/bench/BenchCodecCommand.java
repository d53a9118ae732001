package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.generate.AudioOutput;
import dev.retune.model.EncodecModel;
import dev.retune.model.MusicgenConfig;
import dev.retune.model.StreamingDecoder;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The codec's decode alone, whole-length ({@code EncodecModel.decode} of every frame at once) against streaming
 * ({@link StreamingDecoder}, as {@code retune generate} decodes): peak resident memory, speed and the kernel's share
 * of the CPU time, for random codes with a preset's codec (random weights: the work is the same as with trained ones).
 * Each measurement runs in a fresh JVM, since a process's peak memory only rises. A whole-length decode that would
 * not fit in the memory available (extrapolated from the shortest length's, which grows linearly) is not run.
 */
@Command(name = "codec",
        mixinStandardHelpOptions = true,
        description = "Peak memory and speed of the codec's decode, whole-length against streaming, each in a fresh process (CPU).",
        footer = {"", "Examples:", "  retune bench codec", "  retune bench codec --codec small --seconds 60 --decode stream --chunk 100"})
final class BenchCodecCommand implements Callable<Integer> {

    private static final double WARM_UP_SECONDS = 1;

    @Option(names = "--codec", split = ",", paramLabel = "PRESET", description = "Presets whose codec is measured (default: tiny,small).")
    List<String> codecs = List.of("tiny", "small");

    @Option(names = "--seconds", split = ",", paramLabel = "S", description = "Audio lengths, shortest first (default: 10,600).")
    List<Double> lengths = List.of(10.0, 600.0);

    @Option(names = "--decode", split = ",", paramLabel = "MODE", description = "whole, stream or both (default: whole,stream).")
    List<String> modes = List.of("whole", "stream");

    @Option(names = "--chunk", paramLabel = "FRAMES", description = "Frames per streaming step (default: ${DEFAULT-VALUE}, as generate).")
    int chunk = AudioOutput.CHUNK_FRAMES;

    @Option(names = "--repeat", paramLabel = "N", description = "Runs per row; the fastest counts, and the highest peak (default: ${DEFAULT-VALUE}).")
    int repeat = 1;

    @Option(names = "--measure", hidden = true, paramLabel = "PRESET:SECONDS:MODE", description = "Run one measurement in this process and print it as JSON.")
    String measure;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (chunk < 1 || repeat < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--chunk and --repeat must be at least 1, found " + chunk + " and " + repeat);
        }
        for (String mode : modes) {
            if (!mode.equals("whole") && !mode.equals("stream")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--decode takes whole and stream, found " + mode);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (measure != null) {
            String[] parts = measure.split(":");
            out.println(JsonMapper.shared().writeValueAsString(measureHere(parts[0], Double.parseDouble(parts[1]), parts[2])));
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

    /** One row per codec, length and decode, each measured in fresh processes. */
    private void table(PrintWriter out) {
        out.printf(Locale.ROOT, "Decode of random codes, batch 1, fp32, CPU, %d threads; streaming in chunks of %d frames; each row a fresh JVM.%n%n",
                torch.get_num_threads(), chunk);
        out.println("| codec | audio | decode | peak resident | before decoding | decode's own peak | wall | × realtime | system share of CPU |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        out.flush();
        for (String codec : codecs) {
            Double wholeBytesPerSecond = null;
            for (double seconds : lengths) {
                for (String mode : modes) {
                    if (mode.equals("whole") && wholeBytesPerSecond != null && !fits(wholeBytesPerSecond * seconds)) {
                        out.printf(Locale.ROOT, "| %s | %s | whole | not run: needs ~%.1f GB more (extrapolated), %.1f GB available | | | | | |%n",
                                codec, length(seconds), wholeBytesPerSecond * seconds / 1e9, BenchProcess.availableBytes() / 1e9);
                        out.flush();
                        continue;
                    }
                    Row row = measure(codec, seconds, mode);
                    if (mode.equals("whole") && wholeBytesPerSecond == null) {
                        wholeBytesPerSecond = (double) row.ownPeak() / seconds;
                    }
                    out.printf(Locale.ROOT, "| %s | %s | %s | %.2f GB | %.2f GB | %.2f GB | %.1f s | %.1f | %.0f %% |%n", codec, length(seconds),
                            mode.equals("whole") ? "whole" : "streaming", row.peak() / 1e9, row.before() / 1e9, row.ownPeak() / 1e9,
                            row.wall(), seconds / row.wall(), 100 * row.systemShare());
                    out.flush();
                }
            }
        }
    }

    /** The highest peak of {@code repeat} fresh processes, with the fastest run's time and system share. */
    private record Row(long peak, long before, double wall, double systemShare) {
        long ownPeak() {
            return peak - before;
        }
    }

    private Row measure(String codec, double seconds, String mode) {
        Row highest = null;
        Row fastest = null;
        for (int i = 0; i < repeat; i++) {
            JsonNode run = JsonMapper.shared().readTree(last(BenchProcess.run(List.of("bench", "codec", "--chunk", Integer.toString(chunk),
                    "--measure", codec + ":" + seconds + ":" + mode))));
            Row row = new Row(run.get("peak").asLong(), run.get("before").asLong(), run.get("wall").asDouble(), run.get("system_share").asDouble());
            highest = highest == null || row.peak > highest.peak ? row : highest;
            fastest = fastest == null || row.wall < fastest.wall ? row : fastest;
        }
        return new Row(highest.peak, highest.before, fastest.wall, fastest.systemShare);
    }

    /** One decode of {@code seconds} of random codes, after a short warm-up decode in the same mode. */
    private Map<String, Object> measureHere(String preset, double seconds, String mode) {
        torch.manual_seed(0);
        MusicgenConfig config = MusicgenConfig.preset(preset);
        EncodecModel codec = EncodecModel.create(config.audioEncoder());
        int codebooks = config.decoder().numCodebooks();
        int frameRate = config.audioEncoder().frameRate();
        decode(codec, randomCodes(codec, codebooks, (int) Math.round(WARM_UP_SECONDS * frameRate)), mode);
        Tensor codes = randomCodes(codec, codebooks, (int) Math.round(seconds * frameRate)); // [1, K, T]
        BenchProcess.Usage before = BenchProcess.Usage.now();
        long start = System.nanoTime();
        decode(codec, codes, mode);
        double wall = (System.nanoTime() - start) / 1e9;
        BenchProcess.Usage after = BenchProcess.Usage.now();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("codec", preset);
        row.put("seconds", seconds);
        row.put("mode", mode);
        row.put("wall", wall);
        row.put("cpu", after.cpuSecondsSince(before));
        row.put("system_share", after.systemShareSince(before));
        row.put("before", before.residentBytes());
        row.put("peak", after.peakResidentBytes());
        return row;
    }

    /** Decodes and drops the audio: whole holds it all at the end, streaming one chunk's at a time. */
    private void decode(EncodecModel codec, Tensor codes, String mode) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            if (mode.equals("whole")) {
                codec.decode(codes);
                return;
            }
            try (StreamingDecoder decoder = new StreamingDecoder(codec, chunk)) {
                for (long start = 0; start < codes.size(2); start += chunk) {
                    try (PointerScope step = new PointerScope()) {
                        decoder.push(codes.narrow(2, start, Math.min(chunk, codes.size(2) - start)));
                    }
                }
                decoder.finish();
            }
        }
    }

    private static Tensor randomCodes(EncodecModel codec, int codebooks, int frames) {
        return torch.randint(codec.config().codebookSize(), new long[] {1, codebooks, frames}, new TensorOptions(ScalarType.Long));
    }

    /** Whether {@code bytes} more than a process already holds take at most half the memory available now (a shared machine). */
    private static boolean fits(double bytes) {
        return bytes < 0.5 * BenchProcess.availableBytes();
    }

    private static String length(double seconds) {
        if (seconds >= 60 && seconds % 60 == 0) {
            return String.format(Locale.ROOT, "%.0f min", seconds / 60);
        }
        return (seconds == Math.rint(seconds) ? String.format(Locale.ROOT, "%.0f", seconds) : Double.toString(seconds)) + " s";
    }

    private static String last(List<String> lines) {
        if (lines.isEmpty()) {
            throw new IllegalStateException("the measurement printed nothing");
        }
        return lines.get(lines.size() - 1);
    }
}
