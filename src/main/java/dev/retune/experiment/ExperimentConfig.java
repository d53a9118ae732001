package dev.retune.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.retune.config.ConfigException;
import dev.retune.config.ConfigLoader;
import dev.retune.data.AudioEncoder;
import dev.retune.generate.GenerationRequest;
import dev.retune.generate.InvalidRequestException;
import dev.retune.generate.WeightedSource;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An experiment file ({@code EXPERIMENT.yaml}): which models generate, from which prompts, with which settings, how
 * many samples of each, and which measures are taken. Read as strictly as a training config: an unknown or duplicate
 * key, or a value out of range, is a {@link ConfigException} naming the file, line and key. Relative paths (sources,
 * prompt files, {@code out}) are taken from the current folder, as in training configs.
 *
 * @param sources        named models: {@code PATH[@best|latest|STEP][+ADAPTER[:WEIGHT]...]} ({@link ExperimentSource})
 * @param promptSets     named prompt sets: a list of prompts, or the path of a text or CSV prompts file
 * @param parameterSets  named generation settings
 * @param samples        samples per source × parameter set × prompt (≥ 1; default 1)
 * @param seed           the experiment seed every sample's seed derives from ({@link ExperimentSeeds}; default 0)
 * @param metrics        the technical measures recorded per sample (null: every one of {@link ExperimentMetrics#NAMES})
 * @param format         the audio format of the samples (null: wav)
 * @param out            the output folder (null: {@code experiments/<file name without extension>})
 */
public record ExperimentConfig(Map<String, String> sources, Map<String, Object> promptSets,
                               Map<String, ParameterSet> parameterSets, Integer samples, Long seed, List<String> metrics,
                               String format, String out) {

    /** Names become folder and file names: letters, digits, '_', '-', '.'. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    public ExperimentConfig {
        sources = named("sources", sources);
        promptSets = named("prompt_sets", promptSets);
        parameterSets = named("parameter_sets", parameterSets);
        sources.forEach((name, spec) -> {
            if (spec.isBlank()) {
                throw new ConfigException("sources." + name + " is empty; give a model folder or a training run", "sources." + name);
            }
        });
        promptSets.forEach(ExperimentConfig::checkPromptSet);
        parameterSets.forEach(ExperimentConfig::checkParameters);
        samples = samples == null ? 1 : samples;
        seed = seed == null ? 0 : seed;
        if (samples < 1) {
            throw new ConfigException("samples must be at least 1, found " + samples, "samples");
        }
        metrics = metrics == null ? ExperimentMetrics.NAMES : List.copyOf(metrics);
        for (int i = 0; i < metrics.size(); i++) {
            if (!ExperimentMetrics.NAMES.contains(metrics.get(i))) {
                throw new ConfigException("metrics[" + i + "]: unknown measure '" + metrics.get(i) + "'; expected one of "
                        + String.join(", ", ExperimentMetrics.NAMES), "metrics");
            }
        }
        format = format == null ? "wav" : format;
        if (!AudioEncoder.extensions().contains("." + format)) {
            throw new ConfigException("format " + format + ": unsupported audio format; expected one of "
                    + String.join(", ", AudioEncoder.extensions()), "format");
        }
        if (out != null && out.isBlank()) {
            throw new ConfigException("out is empty; give a folder, or leave the key out for experiments/<file name>", "out");
        }
    }

    /**
     * One named set of generation settings; a key left out takes {@code retune generate}'s default.
     *
     * @param duration    seconds per sample (default 10)
     * @param temperature default 1.0 (0 = greedy)
     * @param topK        default 250 (0 = off)
     * @param topP        default 0 (off)
     * @param cfg         classifier-free guidance scale, default 3.0 (1 = off)
     * @param seedPolicy  how a sample's seed is derived (default independent)
     * @param blend       a source blended token by token, {@code SPEC:WEIGHT} as {@code retune generate --blend} takes it
     *                    (null: none)
     * @param mix         a source generated too and mixed into the audio, {@code SPEC:FACTOR} as {@code --mix} (null: none)
     */
    public record ParameterSet(Double duration, Double temperature, Integer topK, Double topP, Double cfg, SeedPolicy seedPolicy,
                               @JsonInclude(JsonInclude.Include.NON_NULL) String blend,
                               @JsonInclude(JsonInclude.Include.NON_NULL) String mix) {

        public ParameterSet {
            duration = duration == null ? 10.0 : duration;
            temperature = temperature == null ? 1.0 : temperature;
            topK = topK == null ? 250 : topK;
            topP = topP == null ? 0.0 : topP;
            cfg = cfg == null ? 3.0 : cfg;
            seedPolicy = seedPolicy == null ? SeedPolicy.INDEPENDENT : seedPolicy;
        }

        /** A set without blending or mixing. */
        public ParameterSet(Double duration, Double temperature, Integer topK, Double topP, Double cfg, SeedPolicy seedPolicy) {
            this(duration, temperature, topK, topP, cfg, seedPolicy, null, null);
        }

        /** {@code blend} and {@code mix} as a request takes them; what they name must exist. */
        List<WeightedSource> blends(String name) {
            return blend == null ? List.of() : List.of(composed(name, "blend", blend));
        }

        WeightedSource mixed(String name) {
            return mix == null ? null : composed(name, "mix", mix);
        }

        private static WeightedSource composed(String name, String key, String value) {
            String full = "parameter_sets." + name + "." + key;
            try {
                return WeightedSource.parse(full, value);
            } catch (InvalidRequestException e) {
                throw new ConfigException(e.getMessage(), full);
            }
        }
    }

    /**
     * {@code independent}: the seed derives from the experiment seed, source, parameter set, prompt and sample index.
     * {@code paired}: from the experiment seed, prompt and index only, so every source and paired parameter set draws
     * its n-th sample of a prompt from the same seed and their differences are not seed noise.
     */
    public enum SeedPolicy {
        INDEPENDENT, PAIRED;

        @JsonValue
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Reads and checks {@code file}. */
    public static ExperimentConfig load(Path file) {
        return ConfigLoader.read(file, ExperimentConfig.class).complete(file.toString());
    }

    /** This config, when it names at least one source, prompt set and parameter set; {@code origin} starts the message. */
    ExperimentConfig complete(String origin) {
        Map<String, Map<String, ?>> sections = new LinkedHashMap<>();
        sections.put("sources", sources);
        sections.put("prompt_sets", promptSets);
        sections.put("parameter_sets", parameterSets);
        sections.forEach((key, section) -> {
            if (section.isEmpty()) {
                throw new ConfigException(origin + ": " + key + " is missing; give at least one named entry", key);
            }
        });
        return this;
    }

    /** The output folder: {@code out}, else {@code experiments/<file name without extension>}. */
    public Path outFolder(Path file) {
        if (out != null) {
            return Path.of(out);
        }
        String name = file.getFileName().toString();
        return Path.of("experiments", name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name);
    }

    /**
     * A section left out of the file is an empty map here and an error only in {@link #complete}: Jackson builds the
     * record before it reports unknown keys, and a misspelt section name must be reported as such.
     */
    private static <V> Map<String, V> named(String key, Map<String, V> map) {
        if (map == null) {
            return Map.of();
        }
        if (map.isEmpty()) {
            throw new ConfigException(key + " is empty; give at least one named entry", key);
        }
        map.forEach((name, value) -> {
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(key + "." + name + ": a name may hold only letters, digits, '_', '-' and '.'", key + "." + name);
            }
            if (value == null) {
                throw new ConfigException(key + "." + name + " is empty", key + "." + name);
            }
        });
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** The ranges of {@code retune generate}'s options, named by the full key. */
    private static void checkParameters(String name, ParameterSet set) {
        String key = "parameter_sets." + name + ".";
        if (!(set.duration() > 0 && set.duration() <= GenerationRequest.MAX_DURATION)) {
            throw new ConfigException(key + "duration must be more than 0 and at most " + (int) GenerationRequest.MAX_DURATION
                    + " seconds, found " + set.duration(), key + "duration");
        }
        if (!(set.temperature() >= 0) || set.temperature().isInfinite()) {
            throw new ConfigException(key + "temperature must be a finite number ≥ 0 (0 = greedy), found " + set.temperature(), key + "temperature");
        }
        if (set.topK() < 0) {
            throw new ConfigException(key + "top_k must be ≥ 0 (0 = off), found " + set.topK(), key + "top_k");
        }
        if (!(set.topP() >= 0 && set.topP() <= 1)) {
            throw new ConfigException(key + "top_p must lie in [0, 1] (0 = off), found " + set.topP(), key + "top_p");
        }
        if (!(set.cfg() > 0) || set.cfg().isInfinite()) {
            throw new ConfigException(key + "cfg must be a finite number > 0 (1 = off), found " + set.cfg(), key + "cfg");
        }
        if (set.blend() != null && set.mix() != null) {
            throw new ConfigException(key + "blend and " + key + "mix cannot be combined: mix mixes two finished generations, blend "
                    + "combines sources inside one", key + "blend", key + "mix");
        }
    }

    private static void checkPromptSet(String name, Object value) {
        String key = "prompt_sets." + name;
        if (value instanceof String file) {
            if (file.isBlank()) {
                throw new ConfigException(key + " is empty; give a list of prompts or a prompts file", key);
            }
            return;
        }
        if (!(value instanceof List<?> prompts) || prompts.isEmpty()) {
            throw new ConfigException(key + " must be a non-empty list of prompts or the path of a prompts file, found " + value, key);
        }
        for (int i = 0; i < prompts.size(); i++) {
            if (!(prompts.get(i) instanceof String prompt) || prompt.isBlank()) {
                throw new ConfigException(key + "[" + i + "] must be the text of a prompt, found " + prompts.get(i), key + "[" + i + "]");
            }
        }
    }
}
