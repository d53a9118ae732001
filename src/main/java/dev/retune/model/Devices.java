package dev.retune.model;

import dev.retune.Log;
import dev.retune.config.ConfigException;
import dev.retune.config.DeviceConfig;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

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
                yield new Device("cuda:0");
            }
            case AUTO -> new Device(cuda ? "cuda:0" : "cpu");
        };
    }
}
