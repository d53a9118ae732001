package dev.retune.bench;

import dev.retune.ExitCode;
import dev.retune.config.DeviceConfig;
import dev.retune.data.AtomicFile;
import dev.retune.model.Devices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code retune bench gpu}: the measurements of a GPU check in one table — each kernel against its libtorch reference
 * (the kernel forced on, so its self-check runs first), a short LoRA and full fine-tune in bf16 and fp16 (tokens/s and
 * MFU), and generation with and without the fused sampler. native/gpu-check.sh builds the GPU flavour, runs the kernel
 * harness and tests, and hands their results in with {@code --check}. {@code --dry-run} runs the same plumbing on the CPU
 * with the tiny preset, marking what needs CUDA as skipped.
 */
@Command(name = "gpu", mixinStandardHelpOptions = true,
        description = "The GPU check's measurements (kernels, training tokens/s and MFU, generation frames/s) as one Markdown table.",
        footer = {"", "Examples:", "  native/gpu-check.sh                      (builds -Pgpu, runs the harness and tests, then this)",
            "  retune bench gpu --peak-tflops 989", "  retune bench gpu --dry-run --out /tmp/gpu-check.md"})
final class BenchGpuCommand implements Callable<Integer> {

    @Option(names = "--dry-run", description = "Run on the CPU with the tiny preset and 1 step; what needs CUDA is marked skipped.")
    boolean dryRun;

    @Option(names = "--peak-tflops", paramLabel = "TFLOPS", description = "The GPU's peak dense bf16/fp16 TFLOPS for MFU (default: from the GPU's name).")
    Double peakTflops;

    @Option(names = "--gpu-name", paramLabel = "NAME", description = "The GPU's name for the peak table (default: nvidia-smi's).")
    String gpuName;

    @Option(names = "--steps", description = "Timed training steps per run (default: 10; 1 with --dry-run).")
    Integer steps;

    @Option(names = "--check", paramLabel = "WHAT=RESULT", description = "A result of an earlier step, put first in the table (repeatable).")
    Map<String, String> checks = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "FILE", description = "Where the table is written too (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("target", "gpu-check.md");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final String NO_CUDA = "skipped: no CUDA device";

    /** One line of the table; {@code result} is pass, fail: …, skipped: … or empty where nothing is judged. */
    record Row(String what, String setting, String figure, String unit, String result) {}

    @Override
    public Integer call() throws IOException {
        if (peakTflops != null && !(peakTflops > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--peak-tflops must be above 0, found " + peakTflops);
        }
        if (steps != null && steps < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be at least 1, found " + steps);
        }
        Device device = Devices.select(new DeviceConfig(dryRun ? DeviceConfig.Kind.CPU : DeviceConfig.Kind.CUDA, null));
        String preset = dryRun ? "tiny" : "small";
        List<Row> rows = new ArrayList<>();
        checks.forEach((what, result) -> rows.add(new Row(what, "", "", "", result)));
        String name = device.is_cuda() ? Optional.ofNullable(gpuName).orElseGet(BenchGpuCommand::nvidiaSmiName) : "cpu";
        Double peak = peakTflops != null ? peakTflops : GpuPeaks.of(name).orElse(null);
        rows.add(new Row("device", name + " (" + device.str().getString() + ")", peak == null ? "—" : format(peak), "peak TFLOPS",
                peak == null ? "no peak known: give --peak-tflops for MFU" : peakTflops != null ? "from --peak-tflops" : "from the table of peaks"));
        kernels(device, preset, rows);
        for (String precision : List.of("bf16", "fp16")) {
            for (int rank : List.of(16, 0)) {
                train(device, preset, precision, rank, peak, rows);
            }
        }
        for (String sampler : List.of("off", "on")) {
            generate(device, preset, sampler, rows);
        }
        String table = table(rows);
        PrintWriter printer = spec.commandLine().getOut();
        printer.print(table);
        printer.flush();
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        AtomicFile.writeString(out, table);
        spec.commandLine().getErr().println("bench gpu: table written to " + out);
        return rows.stream().anyMatch(r -> r.result().startsWith("fail")) ? ExitCode.VERIFY_FAILED : ExitCode.OK;
    }

    private void kernels(Device device, String preset, List<Row> rows) {
        List<String> args = new ArrayList<>(List.of("--preset", preset, "--device", device.is_cuda() ? "cuda" : "cpu"));
        if (dryRun) {
            args.addAll(List.of("--batch", "1", "--frames", "50", "--lora-rank", "4", "--iterations", "1"));
        }
        try {
            BenchKernelsCommand bench = parsed(new BenchKernelsCommand(), args);
            bench.measure(device, t -> {
                String what = "kernel: " + t.name() + ", " + t.dtype();
                rows.add(new Row(what, "libtorch reference, " + t.shape(), format(t.referenceMs()), "ms/call", ""));
                String result = t.kernelError() == null ? String.format(Locale.ROOT, "pass (self-check; %.2f× the reference)", t.referenceMs() / t.kernelMs())
                        : device.is_cuda() ? "fail: " + t.kernelError() : NO_CUDA;
                rows.add(new Row(what, "CUDA kernel", t.kernelError() == null ? format(t.kernelMs()) : "—", "ms/call", result));
            });
        } catch (RuntimeException e) {
            rows.add(new Row("kernels", "", "—", "", "fail: " + e.getMessage()));
        }
    }

    private void train(Device device, String preset, String precision, int loraRank, Double peak, List<Row> rows) {
        String method = loraRank > 0 ? "LoRA r=" + loraRank : "full";
        int batch = dryRun ? 1 : 4;
        double seconds = dryRun ? 1 : 10;
        String setting = String.format(Locale.ROOT, "%s, %s, %d × %.0f s", precision, preset, batch, seconds);
        String what = "train " + method;
        if (precision.equals("fp16") && !device.is_cuda()) {
            rows.add(new Row(what, setting, "—", "tokens/s", NO_CUDA + " (fp16 needs CUDA)"));
            rows.add(new Row(what, setting, "—", "% MFU", NO_CUDA + " (fp16 needs CUDA)"));
            return;
        }
        try {
            BenchTrainCommand bench = parsed(new BenchTrainCommand(), List.of("--preset", preset, "--precision", precision,
                    "--device", device.is_cuda() ? "cuda" : "cpu", "--batch", Integer.toString(batch), "--seconds", Double.toString(seconds),
                    "--steps", Integer.toString(steps != null ? steps : dryRun ? 1 : 10), "--lora-rank", Integer.toString(loraRank)));
            BenchTrainCommand.Result r = bench.run(Optional.empty());
            String skipped = r.skippedSteps() > 0 ? " (" + r.skippedSteps() + " steps skipped by the loss scaler)" : "";
            rows.add(new Row(what, setting, format(r.tokensPerSecond()), "tokens/s", "pass" + skipped));
            double tflops = r.flopsPerStep() / (r.msPerStep() / 1000) / 1e12;
            rows.add(new Row(what, setting + ", " + format(r.flopsPerStep() / 1e9) + " GFLOP/step, " + format(r.msPerStep()) + " ms/step",
                    peak == null ? "—" : format(100 * tflops / peak), "% MFU",
                    peak == null ? String.format(Locale.ROOT, "%.3g TFLOPS achieved; no peak to divide by", tflops) : ""));
        } catch (IOException | RuntimeException e) {
            rows.add(new Row(what, setting, "—", "tokens/s", "fail: " + e.getMessage()));
        }
    }

    private void generate(Device device, String preset, String sampler, List<Row> rows) {
        double seconds = dryRun ? 0.5 : 10;
        String setting = String.format(Locale.ROOT, "fused sampler %s, %s, CFG 3, %.1f s", sampler, preset, seconds);
        if (sampler.equals("on") && !device.is_cuda()) {
            rows.add(new Row("generate", setting, "—", "frames/s", NO_CUDA));
            return;
        }
        try {
            BenchGenerateCommand bench = parsed(new BenchGenerateCommand(), List.of("--preset", preset, "--seconds", Double.toString(seconds),
                    "--device", device.is_cuda() ? "cuda" : "cpu", "--sampling-kernel", sampler));
            rows.add(new Row("generate", setting, format(bench.framesPerSecond(device, bench.samplerOptions())), "frames/s", "pass"));
        } catch (RuntimeException e) {
            rows.add(new Row("generate", setting, "—", "frames/s", "fail: " + e.getMessage()));
        }
    }

    /** {@code command} with its options and defaults applied by picocli, as if run from the command line. */
    private static <T> T parsed(T command, List<String> args) {
        new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args.toArray(String[]::new));
        return command;
    }

    static String table(List<Row> rows) {
        StringBuilder md = new StringBuilder("| what | setting | figure | unit | result |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(String.join(" | ", cell(r.what()), cell(r.setting()), cell(r.figure()), cell(r.unit()), cell(r.result()))).append(" |\n");
        }
        return md.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /** Three significant digits at least, no exponent: 0.0123, 1.23, 123, 12345. */
    private static String format(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.3g", value);
    }

    /** The first GPU's name, as the peak table knows it. */
    private static String nvidiaSmiName() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader").redirectErrorStream(true).start();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line = reader.readLine();
                return p.waitFor() == 0 && line != null ? line.trim() : "unknown GPU (nvidia-smi failed)";
            }
        } catch (IOException e) {
            return "unknown GPU (no nvidia-smi)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown GPU";
        }
    }
}
