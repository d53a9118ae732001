package dev.retune.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.type.LogicalType;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLReadFeature;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * Reads a YAML (or JSON) config into {@link RetuneConfig}: file first, then {@code --set section.key=value} overrides,
 * then the records' defaults for whatever is still missing. Every error is one line that says where the culprit was
 * set (the file and line, or the {@code --set} as given) and names the key: unknown keys (with the closest valid one),
 * values of the wrong type or out of range, a key given twice in a file or by two {@code --set}s, a file that is not
 * a readable UTF-8 YAML or JSON document. {@link #write} saves the resolved config for the run folder.
 */
public final class ConfigLoader {

    /** A config is a few kilobytes; a much larger file is the wrong one (an audio file, a log), not worth reading. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    // YAML 1.2's core schema: ~ and Null are null and .5 is a number; Jackson's default reads them as strings.
                    // Duplicate keys are left to TreeReader, whose message names both lines.
                    .loadSettings(LoadSettings.builder().setSchema(new CoreSchema()).setAllowDuplicateKeys(true).build())
                    .build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // 1 or 0 for a true/false key is more likely a slip than a choice.
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .disable(YAMLReadFeature.PARSE_OCTAL_NUMBERS)
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .build();

    /** Only reads {@code .json} files: YAML would read most JSON too, but not JSON indented with tabs. */
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private ConfigLoader() {}

    /** Every section at its defaults. */
    public static RetuneConfig defaults() {
        return bind(YAML.createObjectNode(), new Origins("defaults"));
    }

    /** Defaults with {@code --set} overrides only, for commands run without a config file. */
    public static RetuneConfig fromOverrides(List<String> overrides) {
        ObjectNode root = YAML.createObjectNode();
        Origins origins = new Origins("--set");
        applyOverrides(root, overrides, origins);
        return bind(root, origins);
    }

    /** Reads a YAML file, or a JSON file when the name ends in {@code .json}, then applies the overrides. */
    public static RetuneConfig load(Path file, List<String> overrides) {
        boolean json = file.toString().toLowerCase(Locale.ROOT).endsWith(".json");
        String name = file.toString();
        TreeReader.Document document = new TreeReader(json ? JSON : YAML, json ? "JSON" : "YAML", name, true)
                .read(readText(file), "");
        if (document.root() == null) {
            throw new ConfigException(name + " is empty; a config needs at least one section, such as model: or data:"
                    + " (write {} to take every default)");
        }
        if (!document.root().isObject()) {
            throw new ConfigException(name + ": the top level must be a mapping of sections (data:, ...), found "
                    + document.root());
        }
        ObjectNode root = (ObjectNode) document.root();
        Origins origins = new Origins(name);
        document.lines().forEach((key, line) -> origins.set(key, name + " line " + line));
        applyOverrides(root, overrides, origins);
        return bind(root, origins);
    }

    /** {@code config} with {@code overrides} applied, as if they had been given with {@code --set} after its own keys. */
    public static RetuneConfig withOverrides(RetuneConfig config, List<String> overrides) {
        ObjectNode root = (ObjectNode) YAML.readTree(toYaml(config));
        Origins origins = new Origins("the resolved config");
        applyOverrides(root, overrides, origins);
        return bind(root, origins);
    }

    /**
     * Reads a YAML file into {@code type}, a record of another kind of Retune file (an experiment, a sweep), as strictly
     * as {@link #load}: unknown or duplicate keys and the records' own checks are errors naming the file, line and key.
     */
    public static <T> T read(Path file, Class<T> type) {
        String name = file.toString();
        TreeReader.Document document = new TreeReader(YAML, "YAML", name, true).read(readText(file), "");
        if (document.root() == null || !document.root().isObject()) {
            throw new ConfigException(name + ": the top level must be a mapping of keys, found "
                    + (document.root() == null ? "an empty file" : document.root()));
        }
        Origins origins = new Origins(name);
        document.lines().forEach((key, line) -> origins.set(key, name + " line " + line));
        return bind((ObjectNode) document.root(), origins, type);
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

    /** Applies the overrides in order; a key set twice (or a key inside a section also set whole) is an error. */
    private static void applyOverrides(ObjectNode root, List<String> texts, Origins origins) {
        List<KeyOverride> applied = new ArrayList<>();
        for (String text : texts) {
            KeyOverride override = KeyOverride.parse(text, YAML);
            for (KeyOverride earlier : applied) {
                if (override.overlaps(earlier)) {
                    String key = override.path().size() >= earlier.path().size() ? override.key() : earlier.key();
                    throw new ConfigException("--set " + text + ": --set " + earlier.text() + " already sets " + key
                            + "; give each key once", key);
                }
            }
            override.applyTo(root);
            origins.override(override);
            applied.add(override);
        }
    }

    private static RetuneConfig bind(ObjectNode tree, Origins origins) {
        return bind(tree, origins, RetuneConfig.class);
    }

    private static <T> T bind(ObjectNode tree, Origins origins, Class<T> type) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (JacksonException e) {
            BindError error = BindError.of(e, tree, YAML);
            throw new ConfigException(origins.of(error.keys()) + ": " + error.message(), error.keys().toArray(String[]::new));
        }
    }

    /** The file's text; files that are no config (a folder, a pipe, too large, not UTF-8) are refused by name. */
    private static String readText(Path file) {
        if (Files.isDirectory(file)) {
            throw new ConfigException(file + " is a folder; give a config file (YAML, or JSON named *.json)");
        }
        if (!Files.exists(file)) {
            throw new ConfigException("config file not found: " + file);
        }
        if (!Files.isRegularFile(file)) {
            // Reading a named pipe would block until something writes to it.
            throw new ConfigException(file + " is not a regular file (a pipe, device or socket); give a config file");
        }
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ConfigException(file + " holds " + size + " bytes, too many for a config (at most "
                        + MAX_FILE_BYTES + "); is it the right file?");
            }
            return decodeUtf8(file, Files.readAllBytes(file));
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": cannot read the config: permission denied");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the config: " + e);
        }
    }

    /** Strict UTF-8 (a byte-order mark is dropped); a bad byte is reported with its line. */
    private static String decodeUtf8(Path file, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed input instead of replacing it
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int bad = in.position();
            int line = 1;
            for (int i = 0; i < bad; i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new ConfigException(String.format("%s line %d: not valid UTF-8 (byte 0x%02X); save the file as UTF-8",
                    file, line, bytes[bad] & 0xFF));
        }
        decoder.flush(out);
        String text = out.flip().toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /**
     * Where each key was set, a file line or a {@code --set}, for messages. A key not set itself takes the origin of its
     * nearest section that was (a record's check names keys that the file may only have set as a whole section).
     */
    private static final class Origins {
        private final String fallback;
        private final Map<String, String> byKey = new HashMap<>();

        Origins(String fallback) {
            this.fallback = fallback;
        }

        void set(String key, String origin) {
            byKey.put(key, origin);
        }

        /** The override's key and everything under it now come from the override. */
        void override(KeyOverride override) {
            String key = override.key();
            byKey.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + ".") || k.startsWith(key + "["));
            byKey.put(key, "--set " + override.text());
        }

        /**
         * "config.yaml line 4", "--set optim.lr=abc", or several joined when an error names several keys. A key set by
         * nobody takes the origin of its nearest section that was set, else of the keys under it (a {@code --set} of
         * {@code data.dataset.x} turns the unset data.dataset into a section).
         */
        String of(List<String> keys) {
            Set<String> found = new LinkedHashSet<>();
            for (String key : keys) {
                found.addAll(origins(key));
            }
            return found.isEmpty() ? fallback : String.join(", ", found);
        }

        private List<String> origins(String key) {
            for (String k = key; !k.isEmpty(); k = parent(k)) {
                if (byKey.containsKey(k)) {
                    return List.of(byKey.get(k));
                }
            }
            return byKey.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(key + ".") || e.getKey().startsWith(key + "["))
                    .map(Map.Entry::getValue).sorted().toList();
        }

        private static String parent(String key) {
            int cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
            return cut < 0 ? "" : key.substring(0, cut);
        }
    }
}
