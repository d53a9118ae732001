package dev.retune.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Section {@code model}: the MusicGen model that is fine-tuned. Where its weights come from:
 * <ul>
 *   <li>{@code path} names an existing folder: the model is loaded from it ({@code preset} and {@code seed} are not
 *       used);</li>
 *   <li>{@code path} does not exist yet and {@code preset} is set: the trainer first creates the preset there (random
 *       weights from {@code seed}, as {@code retune model init}), then loads it;</li>
 *   <li>only {@code preset}: a randomly initialised model in memory, nothing written (smoke tests, the CPU demo).</li>
 * </ul>
 * Both keys may be left out for commands that do not need a model; the trainer calls {@link #requireSource()}.
 *
 * @param path   model folder in the Hugging Face layout (config.json, safetensors weights, tokenizer), relative to the
 *               working directory; null = none
 * @param preset architecture preset (tiny, small, medium, large) created when {@code path} is absent; null = none
 * @param seed   random seed for a preset's initial weights
 */
public record ModelConfig(String path, Preset preset, Long seed) {

    /** MusicGen architecture sizes; YAML values are the lowercase names. */
    public enum Preset {
        TINY, SMALL, MEDIUM, LARGE;

        /** The YAML spelling, also the name {@code MusicgenConfig.preset} takes. */
        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ModelConfig {
        seed = seed == null ? 0L : seed;
        Check.notBlank("model.path", path);
    }

    public static ModelConfig defaults() {
        return new ModelConfig(null, null, null);
    }

    /**
     * Checks that the config names a model: {@code model.path}, {@code model.preset} or both.
     *
     * @return this, for chaining
     * @throws ConfigException when neither is set
     */
    public ModelConfig requireSource() {
        if (path == null && preset == null) {
            throw new ConfigException("no model: set model.path (a model folder in the Hugging Face layout) "
                    + "or model.preset (tiny, small, medium or large; created at model.path when that is set)");
        }
        return this;
    }
}
