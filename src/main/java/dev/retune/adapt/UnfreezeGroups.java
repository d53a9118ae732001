package dev.retune.adapt;

import dev.retune.config.ConfigException;
import dev.retune.config.UnfreezeStage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The named parameter groups of progressive unfreezing, and which stage each trainable parameter belongs to. Groups
 * select by Hugging Face parameter name, so they work the same for full fine-tuning and for adapters inside a layer.
 */
public final class UnfreezeGroups {

    private static final Pattern LAYER_SLICE = Pattern.compile("layers\\[(-?\\d*):(-?\\d*)]");
    private static final Pattern DECODER_LAYER = Pattern.compile("^decoder\\.model\\.decoder\\.layers\\.(\\d+)\\.");

    private UnfreezeGroups() {}

    /**
     * Stage index per trainable parameter name: the first stage (in config order) with a group that matches it.
     * Parameters no stage names are absent: they never train.
     */
    public static Map<String, Integer> stageOf(List<String> names, List<UnfreezeStage> stages, int decoderLayers) {
        Map<String, Integer> stageOf = new LinkedHashMap<>();
        for (int s = 0; s < stages.size(); s++) {
            UnfreezeStage stage = stages.get(s);
            boolean matchedAny = false;
            for (String group : stage.groups()) {
                Predicate<String> selects = group(group, decoderLayers);
                for (String name : names) {
                    if (selects.test(name)) {
                        matchedAny = true;
                        stageOf.putIfAbsent(name, s);
                    }
                }
            }
            if (!matchedAny) {
                throw new ConfigException("adapt.unfreeze.stages: stage '" + stage.name() + "' (" + stage.groups()
                        + ") selects none of the trainable parameters of this adaptation method");
            }
        }
        return stageOf;
    }

    /** The parameter-name predicate of a group spec. */
    static Predicate<String> group(String spec, int decoderLayers) {
        Matcher slice = LAYER_SLICE.matcher(spec);
        if (slice.matches()) {
            int from = index(slice.group(1), 0, decoderLayers);
            int to = index(slice.group(2), decoderLayers, decoderLayers);
            return name -> {
                Matcher layer = DECODER_LAYER.matcher(name);
                return layer.find() && Integer.parseInt(layer.group(1)) >= from && Integer.parseInt(layer.group(1)) < to;
            };
        }
        if (spec.startsWith("regex:")) {
            Pattern pattern = Pattern.compile(spec.substring("regex:".length()));
            return name -> pattern.matcher(name).find();
        }
        return switch (spec) {
            case "heads" -> name -> name.startsWith("decoder.lm_heads.");
            case "final_norm" -> name -> name.startsWith("decoder.model.decoder.layer_norm.");
            case "cross_attention" -> name -> name.contains(".encoder_attn.") || name.contains(".encoder_attn_layer_norm.");
            case "embeddings" -> name -> name.contains("embed_tokens");
            case "text_projection" -> name -> name.startsWith("enc_to_dec_proj.");
            case "text_encoder" -> name -> name.startsWith("text_encoder.");
            default -> throw new ConfigException("adapt.unfreeze.stages: unknown group '" + spec + "'; use heads, final_norm, "
                    + "layers[a:b], cross_attention, embeddings, text_projection, text_encoder or regex:PATTERN");
        };
    }

    /** A Python slice bound: empty → default, negative → counted from the end. */
    private static int index(String text, int fallback, int length) {
        if (text.isEmpty()) {
            return fallback;
        }
        int value = Integer.parseInt(text);
        return Math.max(0, Math.min(length, value < 0 ? length + value : value));
    }
}
