package dev.retune.experiment;

import dev.retune.Failure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A sweep file ({@code SWEEP.yaml}): a base training config, either a {@code grid} (key → values, every combination)
 * or named {@code variants} (each a map of {@code --set} overrides), each trained once per seed. Strict like every
 * Retune config: an unknown or repeated key, a missing base, an empty grid or seed list is an error naming the key.
 *
 * <pre>
 * base: ../demo.yaml              # relative to this file
 * set: {train.max_steps: 120}     # overrides for every variant (optional)
 * variants:
 *   - {name: full, set: {adapt.method: full}}
 *   - {name: lora, set: {adapt.method: lora, adapt.lora.r: 8}}
 * seeds: [1, 2, 3]                # each sets train.seed
 * out: sweeps/unfreezing          # default sweeps/&lt;file name&gt;
 * general_dataset: datasets/other # optional: score each best checkpoint there too (forgetting)
 * parallel: 1                     # runs at once, each its own process (default 1: one after another in this one)
 * </pre>
 *
 * @param base           the base config, resolved against the sweep file's folder
 * @param set            overrides every variant gets (a variant's own value for the same key wins)
 * @param grid           key → values; the variants are their cartesian product (empty when {@code variants} is given)
 * @param variants       named override maps (empty when {@code grid} is given)
 * @param seeds          one run per variant and seed
 * @param out            the sweep's folder
 * @param generalDataset a second dataset for the forgetting column, or null
 * @param parallel       runs at once
 */
public record SweepConfig(Path base, Map<String, String> set, Map<String, List<String>> grid, List<Variant> variants,
                          List<Long> seeds, Path out, Path generalDataset, int parallel) {

    /** A named set of overrides, {@code key → value} as YAML text (what {@code --set key=value} would give). */
    public record Variant(String name, Map<String, String> set) {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Jackson's message for a repeated key. */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate Object property \"(.*)\"");
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** The file as written, before any check. */
    private record Raw(String base, Map<String, JsonNode> set, Map<String, List<JsonNode>> grid, List<RawVariant> variants,
                       List<Long> seeds, String out, String generalDataset, Integer parallel) {}

    private record RawVariant(String name, Map<String, JsonNode> set) {}

    public SweepConfig {
        set = Map.copyOf(set);
        grid = Collections.unmodifiableMap(new LinkedHashMap<>(grid));
        variants = List.copyOf(variants);
        seeds = List.copyOf(seeds);
    }

    /** Reads and checks {@code file}. */
    public static SweepConfig load(Path file) {
        Raw raw = read(file);
        String where = file.toString();
        if (raw.base() == null || raw.base().isBlank()) {
            throw bad(where + ": base: give the training config the variants start from (a path relative to this file)");
        }
        Path folder = file.toAbsolutePath().getParent();
        Path base = folder.resolve(raw.base()).normalize();
        if (!Files.isRegularFile(base)) {
            throw bad(where + ": base: " + base + " is not a config file");
        }
        boolean hasGrid = raw.grid() != null && !raw.grid().isEmpty();
        boolean hasVariants = raw.variants() != null && !raw.variants().isEmpty();
        if (hasGrid == hasVariants) {
            throw bad(where + ": give either grid: (key → list of values) or variants: (named --set maps), "
                    + (hasGrid ? "not both" : "found neither"));
        }
        Map<String, List<String>> grid = new LinkedHashMap<>();
        if (hasGrid) {
            raw.grid().forEach((key, values) -> {
                if (values == null || values.isEmpty()) {
                    throw bad(where + ": grid." + key + ": give a list of at least one value");
                }
                grid.put(key, values.stream().map(SweepConfig::valueText).toList());
            });
        }
        List<Variant> variants = hasVariants ? variants(where, raw.variants()) : List.of();
        if (raw.seeds() == null || raw.seeds().isEmpty()) {
            throw bad(where + ": seeds: give a list of at least one seed, e.g. [1, 2, 3]");
        }
        if (new LinkedHashSet<>(raw.seeds()).size() != raw.seeds().size() || raw.seeds().contains(null)) {
            throw bad(where + ": seeds: each seed once, found " + raw.seeds());
        }
        int parallel = raw.parallel() == null ? 1 : raw.parallel();
        if (parallel < 1) {
            throw bad(where + ": parallel must be at least 1, found " + parallel);
        }
        if (raw.out() != null && raw.out().isBlank()) {
            throw bad(where + ": out is empty; give a folder, or leave the key out for sweeps/<file name>");
        }
        Path out = raw.out() != null ? Path.of(raw.out())
                : Path.of("sweeps", file.getFileName().toString().replaceFirst("\\.(ya?ml|json)$", ""));
        Path general = raw.generalDataset() == null ? null : Path.of(raw.generalDataset());
        return new SweepConfig(base, overrides(raw.set(), where + ": set"), grid, variants, raw.seeds(), out, general, parallel);
    }

    private static Raw read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw bad("sweep file not found: " + file);
        }
        try {
            Raw raw = YAML.readValue(Files.readString(file), Raw.class);
            if (raw == null) {
                throw bad(file + " is empty; a sweep needs base:, seeds: and grid: or variants:");
            }
            return raw;
        } catch (IOException e) {
            throw bad(file + ": cannot read the sweep file: " + e.getMessage());
        } catch (UnrecognizedPropertyException e) {
            throw bad(file + line(e) + ": unknown key '" + key(e) + "' (known keys here: "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")");
        } catch (DatabindException e) {
            throw bad(file + line(e) + ": " + key(e) + ": " + e.getOriginalMessage());
        } catch (JacksonException e) {
            Matcher duplicate = DUPLICATE.matcher(e.getOriginalMessage());
            throw bad(file + line(e) + ": " + (duplicate.matches() ? "the key '" + duplicate.group(1) + "' is given twice; give each key once"
                    : "not a valid sweep file: " + e.getOriginalMessage()));
        }
    }

    private static List<Variant> variants(String where, List<RawVariant> raw) {
        List<Variant> variants = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            RawVariant v = raw.get(i);
            String key = where + ": variants[" + i + "]";
            if (v == null || v.name() == null || !NAME.matcher(v.name()).matches()) {
                throw bad(key + ".name: give a name of letters, digits, '.', '_' or '-' (it names the run folders), found "
                        + (v == null ? null : v.name()));
            }
            if (!names.add(v.name())) {
                throw bad(key + ".name: '" + v.name() + "' is already the name of another variant");
            }
            variants.add(new Variant(v.name(), overrides(v.set(), key + " (" + v.name() + ").set")));
        }
        return variants;
    }

    private static Map<String, String> overrides(Map<String, JsonNode> set, String where) {
        Map<String, String> texts = new LinkedHashMap<>();
        if (set == null) {
            return texts;
        }
        set.forEach((key, value) -> {
            if (key.equals(Sweep.SEED_KEY)) {
                throw bad(where + "." + key + ": the sweep's seeds: set train.seed; list the seeds there");
            }
            texts.put(key, value == null ? "null" : valueText(value)); // null resets the key to its default, as with --set
        });
        return texts;
    }

    /** A value as {@code --set} takes it: a scalar as its text, a list or map as JSON (a YAML flow collection). */
    static String valueText(JsonNode value) {
        return value.isString() ? quotedIfNeeded(value.asString()) : value.toString();
    }

    /** A string that YAML would read as another type (a number, true, null) keeps its quotes. */
    private static String quotedIfNeeded(String text) {
        try {
            JsonNode back = YAML.readTree(text);
            if (back != null && back.isString() && back.asString().equals(text)) {
                return text;
            }
        } catch (JacksonException notPlainYaml) {
            // A string with YAML syntax in it (": ", a leading '[') is quoted below.
        }
        return JsonMapper.shared().writeValueAsString(text);
    }

    private static String line(JacksonException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? "" : " line " + e.getLocation().getLineNr();
    }

    private static String key(DatabindException e) {
        StringBuilder key = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                key.append(key.length() > 0 ? "." : "").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                key.append('[').append(ref.getIndex()).append(']');
            }
        }
        return key.toString();
    }

    private static SweepException bad(String message) {
        return new SweepException(Failure.BAD_INPUT, message);
    }
}
