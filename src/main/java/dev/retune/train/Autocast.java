package dev.retune.train;

import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Mixed-precision autocast for the current thread, as PyTorch's {@code torch.autocast} context: matmuls and
 * convolutions run in {@code dtype}, reductions and losses stay in float32. Closing restores the previous state.
 */
final class Autocast implements AutoCloseable {

    private final DeviceType device;
    private final boolean previousEnabled;
    private final ScalarType previousDtype;
    private final boolean active;

    private Autocast(DeviceType device, ScalarType dtype) {
        this.device = device;
        this.active = dtype != null;
        this.previousEnabled = torch.is_autocast_enabled(device);
        this.previousDtype = torch.get_autocast_dtype(device);
        if (active) {
            torch.set_autocast_dtype(device, dtype);
            torch.set_autocast_enabled(device, true);
            torch.increment_nesting();
        }
    }

    /** Autocast to {@code dtype} on {@code device}; a no-op scope when {@code dtype} is null (fp32 training). */
    static Autocast enter(DeviceType device, ScalarType dtype) {
        return new Autocast(device, dtype);
    }

    @Override
    public void close() {
        if (!active) {
            return;
        }
        if (torch.decrement_nesting() == 0) {
            torch.clear_cache(); // the casted-weight cache lives until the outermost autocast exits
        }
        torch.set_autocast_enabled(device, previousEnabled);
        torch.set_autocast_dtype(device, previousDtype);
    }
}
