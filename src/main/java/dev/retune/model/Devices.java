package dev.retune.model;

import dev.retune.Log;
import dev.retune.config.ConfigException;
import dev.retune.config.DeviceConfig;
import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch_cuda;

/** Picks the device from {@code device.kind} and applies {@code device.threads}. */
public final class Devices {

    private Devices() {}

    public static Device select(DeviceConfig config) {
        if (System.getenv("OPENBLAS_NUM_THREADS") == null) {
            Log.warn("OPENBLAS_NUM_THREADS is not set: OpenBLAS threads will compete with libtorch's and "
                    + "fp32 training can run many times slower; the ./retune launcher sets it to 1");
        }
        if (config.threads() > 0) {
            torch.set_num_threads(config.threads());
        }
        boolean cuda = torch.cuda_is_available();
        return switch (config.kind()) {
            case CPU -> new Device("cpu");
            case CUDA -> {
                if (!cuda) {
                    throw new ConfigException("device.kind is cuda but no CUDA device is available (CPU build of libtorch, or no GPU); use auto or cpu");
                }
                yield capped(new Device("cuda:0"), config.memoryFraction());
            }
            case AUTO -> cuda ? capped(new Device("cuda:0"), config.memoryFraction()) : new Device("cpu");
        };
    }

    /**
     * Caps libtorch's caching allocator on every GPU at {@code fraction} of its memory (c10's
     * CUDACachingAllocator::setMemoryFraction, as PyTorch's torch.cuda.set_per_process_memory_fraction): a smaller GPU,
     * simulated. The allocator is set up by the first CUDA tensor, so one is made first.
     */
    private static Device capped(Device device, double fraction) {
        if (fraction < 1) {
            torch.zeros(1).to(device, ScalarType.Float);
            for (byte gpu = 0; gpu < torch.cuda_device_count(); gpu++) {
                torch_cuda.getAllocator().setMemoryFraction(fraction, gpu);
            }
            Log.info(String.format(Locale.ROOT, "device.memory_fraction %.2f: libtorch may allocate at most that share of each GPU's memory", fraction));
        }
        return device;
    }
}
