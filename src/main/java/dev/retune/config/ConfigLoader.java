package dev.retune.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * Reads a YAML (or JSON) config into {@link RetuneConfig}: file first, then {@code --set section.key=value} overrides,
 * then the records' defaults for whatever is still missing. Unknown keys are errors that name the key and the closest
 * valid one; so are unknown values of enumerated keys. {@link #write} saves the resolved config for the run folder.
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .build();

    /** Only reads {@code .json} files: YAML would read most JSON too, but not JSON indented with tabs. */
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private ConfigLoader() {}

    /** Every section at its defaults. */
    public static RetuneConfig defaults() {
        return bind(YAML.createObjectNode(), "defaults");
    }

    /** Defaults with {@code --set} overrides only, for commands run without a config file. */
    public static RetuneConfig fromOverrides(List<String> overrides) {
        ObjectNode root = YAML.createObjectNode();
        overrides.forEach(o -> applyOverride(root, o));
        return bind(root, "--set");
    }

    /** Reads a YAML file, or a JSON file when the name ends in {@code .json}, then applies the overrides. */
    public static RetuneConfig load(Path file, List<String> overrides) {
        boolean json = file.toString().toLowerCase(Locale.ROOT).endsWith(".json");
        JsonNode tree;
        try {
            tree = (json ? JSON : YAML).readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config: " + e.getMessage());
        } catch (JacksonException e) {
            throw new ConfigException(file + ": not valid " + (json ? "JSON" : "YAML") + ": " + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = YAML.createObjectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException(file + ": the top level must be a mapping of sections (data:, ...)");
        }
        ObjectNode root = (ObjectNode) tree;
        for (String override : overrides) {
            applyOverride(root, override);
        }
        return bind(root, file.toString());
    }

    /**
     * The fully resolved config as YAML with snake_case keys, every key written (unset ones as null) and every string
     * double-quoted; {@link #load} reads it back to an equal config.
     */
    public static String toYaml(RetuneConfig config) {
        return YAML.writeValueAsString(config);
    }

    /** Writes {@link #toYaml} to {@code file} (the trainer's copy in the run folder). */
    public static void write(RetuneConfig config, Path file) throws IOException {
        Files.writeString(file, toYaml(config));
    }

    /** Applies one {@code section.key=value}; the value is parsed as YAML, so numbers and booleans keep their type. */
    static void applyOverride(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + override + ": expected section.key=value");
        }
        String[] path = override.substring(0, eq).trim().split("\\.");
        JsonNode value = YAML.readTree(override.substring(eq + 1));
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || !child.isObject()) {
                child = node.putObject(path[i]);
            }
            node = (ObjectNode) child;
        }
        node.set(path[path.length - 1], value == null || value.isMissingNode() ? YAML.nullNode() : value);
    }

    private static RetuneConfig bind(JsonNode tree, String source) {
        try {
            return YAML.treeToValue(tree, RetuneConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String key = dottedPath(e);
            String closest = Suggest.closest(e.getPropertyName(), e.getKnownPropertyIds());
            String prefix = key.contains(".") ? key.substring(0, key.lastIndexOf('.') + 1) : "";
            throw new ConfigException(source + ": unknown key '" + key + "'"
                    + (closest == null ? "" : "; did you mean '" + prefix + closest + "'?")
                    + " Valid keys here: " + known(e.getKnownPropertyIds()));
        } catch (MismatchedInputException e) {
            throw new ConfigException(source + ": " + mismatch(e));
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException(source + ": " + cause.getMessage());
        } catch (JacksonException e) {
            throw new ConfigException(source + ": " + dottedPath(e) + ": " + e.getOriginalMessage());
        }
    }

    /** A value of the wrong type or format; enumerated values and integers get messages of their own. */
    private static String mismatch(MismatchedInputException e) {
        String key = dottedPath(e);
        Class<?> target = e.getTargetType();
        if (target != null && target.isEnum()) {
            return unknownChoice(key, target, e);
        }
        if (isFractionForInteger(target, e)) {
            return key + " must be an integer written with digits only, found " + ((InvalidFormatException) e).getValue();
        }
        return key + ": " + e.getOriginalMessage();
    }

    /** "schedule.kind must be one of cosine, linear, constant, found 'cosin'; did you mean 'cosine'?" */
    private static String unknownChoice(String key, Class<?> enumType, MismatchedInputException e) {
        List<String> accepted = Arrays.stream(enumType.getEnumConstants())
                .map(c -> YAML.convertValue(c, String.class))
                .toList();
        Object value = e instanceof InvalidFormatException invalid ? invalid.getValue() : null;
        String closest = value == null ? null : Suggest.closest(String.valueOf(value), accepted);
        return key + " must be one of " + String.join(", ", accepted)
                + (value == null ? "" : ", found '" + value + "'")
                + (closest == null ? "" : "; did you mean '" + closest + "'?");
    }

    /** A floating-point value (1.5, 200.0, 1e4) for an integer key: Jackson is set not to truncate it. */
    private static boolean isFractionForInteger(Class<?> target, MismatchedInputException e) {
        if (!(e instanceof InvalidFormatException invalid) || !(target == Integer.class || target == Long.class
                || target == int.class || target == long.class)) {
            return false;
        }
        try {
            Double.parseDouble(String.valueOf(invalid.getValue()));
            return true;
        } catch (NumberFormatException notANumber) {
            return false;
        }
    }

    private static String dottedPath(JacksonException e) {
        return e.getPath().stream()
                .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String known(Collection<Object> ids) {
        return ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }
}
