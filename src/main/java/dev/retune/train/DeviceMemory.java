package dev.retune.train;

import dev.retune.config.DeviceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.SizeTPair;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * What a run may use on the machine it runs on: the GPU's free memory (capped by {@code device.memory_fraction}, as
 * libtorch's allocator caps it) or, on CPU, the host's MemAvailable. {@code --fit auto} plans for this figure.
 *
 * @param device    "cuda" or "cpu": where the run would train
 * @param bytes     the memory available to it
 * @param source    where the figure comes from, for messages
 * @param bf16      whether the device runs bf16 autocast (CPU always; CUDA from compute capability 8.0)
 */
public record DeviceMemory(String device, long bytes, String source, boolean bf16) {

    /** The device {@code config} would train on, and its memory now. */
    public static DeviceMemory of(DeviceConfig config) {
        boolean cuda = config.kind() != DeviceConfig.Kind.CPU && torch.cuda_is_available();
        return cuda ? cuda(config.memoryFraction()) : host();
    }

    /** The device a config would train on, without asking the GPU for its memory (a plan on a machine without one). */
    public static String kind(DeviceConfig config) {
        return config.kind() != DeviceConfig.Kind.CPU && torch.cuda_is_available() ? "cuda" : "cpu";
    }

    /** The host: MemAvailable of /proc/meminfo. */
    static DeviceMemory host() {
        return new DeviceMemory("cpu", meminfoKb("MemAvailable") * 1024, "the host's available memory (MemAvailable)", true);
    }

    /** GPU 0: cudaMemGetInfo's free memory, at most {@code fraction} of its total. */
    private static DeviceMemory cuda(double fraction) {
        SizeTPair info = torch_cuda.getAllocator().getMemoryInfo((byte) 0); // (free, total)
        long free = info.first();
        long total = info.second();
        long capped = Math.min(free, (long) (fraction * total));
        boolean bf16 = torch_cuda.getDeviceProperties((byte) 0).major() >= 8;
        String source = fraction < 1 ? String.format("GPU 0's free memory capped at device.memory_fraction %.2f of %.1f GB", fraction, total / 1e9)
                : "GPU 0's free memory";
        return new DeviceMemory("cuda", capped, source, bf16);
    }

    private static long meminfoKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new TrainingException("cannot read " + field + " from /proc/meminfo: give --fit a size instead of auto", e);
        }
        throw new TrainingException("/proc/meminfo has no " + field + ": give --fit a size instead of auto");
    }
}
