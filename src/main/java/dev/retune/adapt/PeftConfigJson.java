package dev.retune.adapt;

import dev.retune.config.ConfigException;
import dev.retune.config.LoraSection;
import dev.retune.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * PEFT's {@code adapter_config.json} for LoRA, written and read. Reading follows PEFT's defaults for absent keys and
 * rejects, naming the key, every setting whose effect {@link LoraLayer} does not reproduce (DoRA, fan-in-fan-out,
 * trained biases, per-module ranks, extra saved modules, initialisations that change the base weights).
 */
final class PeftConfigJson {

    /** The config as read, with {@code target_modules} already in our (find-based) regex form. */
    record Parsed(LoraSection config, String baseModelNameOrPath) {}

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** The {@code adapt.lora} keys that checked settings are named by, and the file's keys they came from. */
    private static final Map<String, String> FILE_KEYS = Map.of(
            "adapt.lora.r", "r",
            "adapt.lora.alpha", "lora_alpha",
            "adapt.lora.dropout", "lora_dropout",
            "adapt.lora.target_modules", "target_modules",
            "adapt.lora.layers", "layers_to_transform");

    private PeftConfigJson() {}

    /**
     * A LoRA setting of {@code file} that {@link LoraSection} (the one place LoRA settings are checked) or the model
     * refused, as an error naming the file and the file's own key.
     */
    static ModelException inFileTerms(Path file, ConfigException e) {
        String message = e.getMessage();
        for (String key : e.keys()) {
            message = message.replace(key, FILE_KEYS.getOrDefault(key, key));
        }
        return new ModelException(file + ": " + message, e);
    }

    /** The file's text for adapters on exactly {@code paths}. */
    static String write(LoraSection config, List<String> paths, String baseModelNameOrPath) {
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", "LORA");
        root.putNull("task_type");
        root.put("r", config.r());
        double alpha = config.alpha();
        if (alpha == Math.rint(alpha) && Math.abs(alpha) < Integer.MAX_VALUE) {
            root.put("lora_alpha", (int) alpha); // PEFT types it as an int
        } else {
            root.put("lora_alpha", alpha);
        }
        root.put("lora_dropout", config.dropout());
        ArrayNode targets = root.putArray("target_modules");
        paths.forEach(targets::add);
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("use_rslora", config.useRslora());
        root.put("use_dora", false);
        if (baseModelNameOrPath == null) {
            root.putNull("base_model_name_or_path");
        } else {
            root.put("base_model_name_or_path", baseModelNameOrPath);
        }
        root.putNull("modules_to_save");
        if (config.init().equals(LoraSection.GAUSSIAN)) {
            root.put("init_lora_weights", LoraSection.GAUSSIAN);
        } else {
            root.put("init_lora_weights", true);
        }
        root.put("inference_mode", true);
        return JSON.writeValueAsString(root) + "\n";
    }

    static Parsed read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException | JacksonException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw fail(file, "is not a JSON object");
        }
        String peftType = text(file, root, "peft_type", null);
        if (!"LORA".equals(peftType)) {
            throw fail(file, "peft_type must be \"LORA\", found " + (peftType == null ? "none" : "\"" + peftType + "\""));
        }
        rejectUnsupported(file, root);
        int rank = integer(file, root, "r", 8);
        double alpha = number(file, root, "lora_alpha", 8);
        double dropout = number(file, root, "lora_dropout", 0);
        boolean rslora = bool(file, root, "use_rslora", false);
        String targets = targetRegex(file, root.get("target_modules"));
        List<Integer> layers = layers(file, root);
        String init = init(file, root.get("init_lora_weights"));
        try {
            return new Parsed(new LoraSection(rank, alpha, dropout, targets, layers, rslora, init),
                    text(file, root, "base_model_name_or_path", null));
        } catch (ConfigException e) {
            throw inFileTerms(file, e);
        }
    }

    /** Settings with effects LoraLayer does not have: only their defaults are accepted. */
    private static void rejectUnsupported(Path file, JsonNode root) {
        for (Map.Entry<String, Boolean> flag : Map.of("fan_in_fan_out", false, "use_dora", false, "lora_bias", false).entrySet()) {
            if (bool(file, root, flag.getKey(), flag.getValue())) {
                throw fail(file, flag.getKey() + " true is not supported");
            }
        }
        String bias = text(file, root, "bias", "none");
        if (!bias.equals("none")) {
            throw fail(file, "bias \"" + bias + "\" is not supported (only \"none\": the base biases stay frozen)");
        }
        for (String key : List.of("modules_to_save", "rank_pattern", "alpha_pattern", "layer_replication",
                "exclude_modules", "target_parameters")) {
            JsonNode value = root.get(key);
            if (value != null && !value.isNull() && !(value.isContainer() && value.isEmpty())) {
                throw fail(file, key + " " + value + " is not supported");
            }
        }
    }

    /**
     * PEFT's matching rules as a find() regex: a string must match the whole module path; each list entry matches a
     * path equal to it or ending in "." + entry.
     */
    private static String targetRegex(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            throw fail(file, "target_modules is missing (PEFT has no default target modules for MusicGen)");
        }
        if (node.isString()) {
            return "^(?:" + node.stringValue() + ")$";
        }
        if (!node.isArray() || node.isEmpty()) {
            throw fail(file, "target_modules must be a regex string or a non-empty list of module names, found " + node);
        }
        List<String> quoted = new ArrayList<>();
        for (JsonNode entry : node) {
            if (!entry.isString() || entry.stringValue().isEmpty()) {
                throw fail(file, "target_modules entries must be module names, found " + entry);
            }
            quoted.add(Pattern.quote(entry.stringValue()));
        }
        return "(?:^|\\.)(?:" + String.join("|", quoted) + ")$";
    }

    /** PEFT's {@code layers_to_transform} (an index or a list) when its layers are the decoder's {@code layers.N}. */
    private static List<Integer> layers(Path file, JsonNode root) {
        JsonNode node = root.get("layers_to_transform");
        if (node == null || node.isNull()) {
            return null;
        }
        JsonNode pattern = root.get("layers_pattern");
        boolean decoderLayers = pattern == null || pattern.isNull()
                || (pattern.isString() && pattern.stringValue().equals("layers"))
                || (pattern.isArray() && pattern.size() == 1 && pattern.get(0).isString() && pattern.get(0).stringValue().equals("layers"));
        if (!decoderLayers || root.path("target_modules").isString()) {
            throw fail(file, "layers_to_transform is supported only with a list of target_modules and layers_pattern"
                    + " \"layers\" (the decoder layers), found layers_pattern " + pattern);
        }
        List<Integer> layers = new ArrayList<>();
        if (node.isIntegralNumber()) {
            layers.add(node.intValue());
        } else if (node.isArray()) {
            for (JsonNode entry : node) {
                if (!entry.isIntegralNumber()) {
                    throw fail(file, "layers_to_transform must hold layer indices, found " + entry);
                }
                layers.add(entry.intValue());
            }
        } else {
            throw fail(file, "layers_to_transform must be a layer index or a list of them, found " + node);
        }
        return layers;
    }

    /** true / false / absent: Kaiming (PEFT's default); "gaussian"; other methods change the base weights. */
    private static String init(Path file, JsonNode node) {
        if (node == null || node.isNull() || node.isBoolean()) {
            return LoraSection.KAIMING;
        }
        if (node.isString() && node.stringValue().equals(LoraSection.GAUSSIAN)) {
            return LoraSection.GAUSSIAN;
        }
        throw fail(file, "init_lora_weights " + node + " is not supported (true, false or \"gaussian\"; methods such as"
                + " PiSSA, OLoRA or LoftQ also change the base weights)");
    }

    private static String text(Path file, JsonNode root, String key, String absent) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isString()) {
            throw fail(file, key + " must be a string, found " + node);
        }
        return node.stringValue();
    }

    private static int integer(Path file, JsonNode root, String key, int absent) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw fail(file, key + " must be an integer, found " + node);
        }
        return node.intValue();
    }

    private static double number(Path file, JsonNode root, String key, double absent) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isNumber()) {
            throw fail(file, key + " must be a number, found " + node);
        }
        return node.doubleValue();
    }

    private static boolean bool(Path file, JsonNode root, String key, boolean absent) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return absent;
        }
        if (!node.isBoolean()) {
            throw fail(file, key + " must be true or false, found " + node);
        }
        return node.booleanValue();
    }

    private static ModelException fail(Path file, String message) {
        return new ModelException(file + ": " + message);
    }
}
