package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code device}: where libtorch runs.
 *
 * @param kind    auto (CUDA when available, else CPU), cpu or cuda (an error when no GPU is usable)
 * @param threads libtorch's CPU threads (intra-op); 0 = libtorch's default
 * @param memoryFraction the share of the GPU's memory libtorch's allocator may use, in (0, 1]: below 1 it simulates a
 *                       smaller GPU (an allocation past the cap fails as out of memory), and {@code --fit auto} plans for it
 */
public record DeviceConfig(Kind kind, Integer threads, Double memoryFraction) {

    /** Device choices; YAML values are the lowercase names. */
    public enum Kind {
        AUTO, CPU, CUDA;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DeviceConfig {
        kind = kind == null ? Kind.AUTO : kind;
        threads = threads == null ? 0 : threads;
        memoryFraction = memoryFraction == null ? 1.0 : memoryFraction;

        Check.atLeast("device.threads", threads, 0);
        if (!(memoryFraction > 0 && memoryFraction <= 1)) {
            throw new ConfigException("device.memory_fraction must be in (0, 1], found " + memoryFraction, "device.memory_fraction");
        }
    }

    public DeviceConfig(Kind kind, Integer threads) {
        this(kind, threads, null);
    }

    public static DeviceConfig defaults() {
        return new DeviceConfig(null, null, null);
    }
}
