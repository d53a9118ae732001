package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code adapt}: which weights are trained.
 *
 * @param method           how the model is adapted; {@code full} trains every weight of the language model
 * @param trainTextEncoder also train the T5 text encoder (MusicGen keeps it frozen)
 */
public record AdaptConfig(Method method, Boolean trainTextEncoder) {

    /** Adaptation methods; YAML values are the lowercase names. */
    public enum Method {
        FULL;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AdaptConfig {
        method = method == null ? Method.FULL : method;
        trainTextEncoder = trainTextEncoder != null && trainTextEncoder;
    }

    public static AdaptConfig defaults() {
        return new AdaptConfig(null, null);
    }
}
