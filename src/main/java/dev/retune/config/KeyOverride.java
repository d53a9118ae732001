package dev.retune.config;

import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One {@code --set section.key=value}. The value is read as YAML, so numbers, booleans and lists keep their type;
 * {@code null} resets the key to its default. An empty value is an error rather than a silent reset.
 *
 * @param text  the override as given, for messages
 * @param path  the key's parts: {@code [optim, lr]}
 * @param value the value read
 */
record KeyOverride(String text, List<String> path, JsonNode value) {

    static KeyOverride parse(String text, ObjectMapper yaml) {
        String where = "--set " + text;
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new ConfigException(where + ": expected section.key=value, e.g. optim.lr=3e-4");
        }
        String key = text.substring(0, eq).strip();
        List<String> path = Arrays.stream(key.split("\\.", -1)).map(String::strip).toList();
        if (key.isEmpty() || path.contains("")) {
            throw new ConfigException(where + ": the key '" + key + "' has an empty part; expected section.key=value,"
                    + " e.g. optim.lr=3e-4");
        }
        JsonNode value = new TreeReader(yaml, "YAML", where, false).read(text.substring(eq + 1), key).root();
        if (value == null) {
            throw new ConfigException(where + ": no value after '='; give one (quote a string that starts with #), or "
                    + key + "=null to reset " + key + " to its default", key);
        }
        return new KeyOverride(text, path, value);
    }

    /** The dotted key: {@code optim.lr}. */
    String key() {
        return String.join(".", path);
    }

    /** Whether both set the same key, or one sets a section the other sets a key of. */
    boolean overlaps(KeyOverride other) {
        int common = Math.min(path.size(), other.path.size());
        return path.subList(0, common).equals(other.path.subList(0, common));
    }

    /** Sets the value in {@code root}, creating the sections on the way that are missing or null. */
    void applyTo(ObjectNode root) {
        ObjectNode node = root;
        for (int i = 0; i < path.size() - 1; i++) {
            JsonNode child = node.get(path.get(i));
            if (child == null || child.isNull()) {
                child = node.putObject(path.get(i));
            } else if (!child.isObject()) {
                String section = String.join(".", path.subList(0, i + 1));
                throw new ConfigException("--set " + text + ": " + section + " holds a value (" + child
                        + "), not a section of keys, so it has no key '" + path.get(i + 1) + "'", section);
            }
            node = (ObjectNode) child;
        }
        node.set(path.get(path.size() - 1), value);
    }
}
