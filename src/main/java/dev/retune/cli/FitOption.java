package dev.retune.cli;

import dev.retune.config.ConfigException;
import dev.retune.config.DeviceConfig;
import dev.retune.config.RetuneConfig;
import dev.retune.train.DeviceMemory;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --fit SIZE|auto} of {@code plan} and {@code train}: the memory limit a run's settings are chosen for. */
final class FitOption {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B|B)", Pattern.CASE_INSENSITIVE);
    private static final Map<String, Double> UNITS = Map.of("b", 1.0, "kb", 1e3, "mb", 1e6, "gb", 1e9, "tb", 1e12,
            "kib", 0x1p10, "mib", 0x1p20, "gib", 0x1p30, "tib", 0x1p40);

    /** The limit, where it comes from, and the device it is on. */
    record Limit(long bytes, String device, boolean bf16, String source) {}

    @Option(names = "--fit", paramLabel = "SIZE|auto", description = {
        "Choose settings whose estimated peak fits SIZE (e.g. 12GB, 512MiB, 1.5TB) or, with auto, what the device has",
        "(the GPU's free memory, capped by device.memory_fraction; on CPU the host's MemAvailable); see docs/memory.md."})
    String fit;

    boolean given() {
        return fit != null;
    }

    /** The limit for {@code config}'s device. */
    Limit limit(RetuneConfig config, CommandLine commandLine) {
        DeviceConfig device = config.device();
        if (fit.equalsIgnoreCase("auto")) {
            if (device.kind() == DeviceConfig.Kind.CUDA && !torch.cuda_is_available()) {
                throw new ConfigException("--fit auto: device.kind is cuda but no CUDA device is available here; give --fit a size", "device.kind");
            }
            DeviceMemory memory = DeviceMemory.of(device);
            return new Limit(memory.bytes(), memory.device(), memory.bf16(), memory.source());
        }
        long bytes = parse(fit, commandLine);
        if (device.kind() == DeviceConfig.Kind.CUDA && !torch.cuda_is_available()) {
            return new Limit(bytes, "cuda", true, "--fit " + fit + "; no GPU here: bf16 assumed, as on compute capability 8.0 or newer");
        }
        DeviceMemory memory = DeviceMemory.kind(device).equals("cuda") ? DeviceMemory.of(device) : null;
        return new Limit(bytes, memory == null ? "cpu" : "cuda", memory == null || memory.bf16(), "--fit " + fit);
    }

    /** "12GB", "512 MiB", "1.5tb": decimal (KB, MB, GB, TB) or binary (KiB, MiB, GiB, TiB) units, or B. */
    static long parse(String text, CommandLine commandLine) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new CommandLine.ParameterException(commandLine, "--fit takes a memory size with its unit, such as 12GB, 512MiB or 1.5TB, or auto; found '"
                    + text + "'");
        }
        double bytes = Double.parseDouble(m.group(1)) * UNITS.get(m.group(2).toLowerCase(Locale.ROOT));
        if (bytes < 1) {
            throw new CommandLine.ParameterException(commandLine, "--fit must be a positive size, found '" + text + "'");
        }
        return (long) bytes;
    }
}
