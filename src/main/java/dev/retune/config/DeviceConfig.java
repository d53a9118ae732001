package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code device}: where libtorch runs.
 *
 * @param kind    auto (CUDA when available, else CPU), cpu or cuda (an error when no GPU is usable)
 * @param threads libtorch's CPU threads (intra-op); 0 = libtorch's default
 */
public record DeviceConfig(Kind kind, Integer threads) {

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

        Check.atLeast("device.threads", threads, 0);
    }

    public static DeviceConfig defaults() {
        return new DeviceConfig(null, null);
    }
}
