package dev.retune.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a YAML (or JSON) config into {@link RetuneConfig}: file first, then {@code --set section.key=value} overrides,
 * then the records' defaults for whatever is still missing. Unknown keys are errors that name the key and the closest
 * valid one.
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

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

    public static RetuneConfig load(Path file, List<String> overrides) {
        JsonNode tree;
        try {
            tree = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config: " + e.getMessage());
        } catch (JacksonException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getOriginalMessage());
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
            String closest = closest(e.getPropertyName(), e.getKnownPropertyIds());
            String prefix = key.contains(".") ? key.substring(0, key.lastIndexOf('.') + 1) : "";
            throw new ConfigException(source + ": unknown key '" + key + "'"
                    + (closest == null ? "" : "; did you mean '" + prefix + closest + "'?")
                    + " Valid keys here: " + known(e.getKnownPropertyIds()));
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException(source + ": " + cause.getMessage());
        } catch (JacksonException e) {
            throw new ConfigException(source + ": " + dottedPath(e) + ": " + e.getOriginalMessage());
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

    /** The known key with the smallest edit distance, if it is close enough to be a plausible typo. */
    static String closest(String key, Collection<Object> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Object candidate : candidates) {
            int d = editDistance(key, String.valueOf(candidate));
            if (d < bestDistance) {
                best = String.valueOf(candidate);
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 2) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
