package dev.retune.config;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Section {@code adapt.lora}: low-rank adapters on the Linear layers whose module path matches {@code target_modules}.
 * The one place LoRA settings are checked, whether they come from a config file or from a PEFT adapter's
 * {@code adapter_config.json}; whether {@code target_modules} and {@code layers} fit a given model is checked when the
 * adapters are applied to it.
 *
 * @param r              rank of each adapter: A is [r, in], B is [out, r]
 * @param alpha          scale numerator: the update is (alpha / r) · B·A, or (alpha / √r) with {@code use_rslora}
 * @param dropout        dropout on the adapter's input during training, in [0, 1)
 * @param targetModules  regex searched ({@link java.util.regex.Matcher#find()}) in each Linear's Hugging Face module
 *                       path, e.g. {@code self_attn\.(q|k|v|out)_proj|encoder_attn\..*_proj|fc1|fc2}
 * @param layers         decoder layer indices to adapt (null = all): only Linears under
 *                       {@code decoder.model.decoder.layers.N.} with N listed
 * @param useRslora      rank-stabilised scaling alpha / √r
 * @param init           {@code kaiming}: A Kaiming-uniform with a = √5 (as nn.Linear and PEFT), i.e. U(±1/√in);
 *                       {@code gaussian}: A ~ N(0, σ = 1/r) (as PEFT's "gaussian"); B is zero either way
 */
public record LoraSection(Integer r, Double alpha, Double dropout, String targetModules, List<Integer> layers,
                          Boolean useRslora, String init) {

    /** Attention (self and cross) and feed-forward projections of the decoder. */
    public static final String DEFAULT_TARGETS = "self_attn\\.(q|k|v|out)_proj|encoder_attn\\.(q|k|v|out)_proj|\\.fc[12]$";
    public static final String KAIMING = "kaiming";
    public static final String GAUSSIAN = "gaussian";

    public LoraSection {
        r = r == null ? 16 : r;
        alpha = alpha == null ? 2.0 * r : alpha;
        dropout = dropout == null ? 0.05 : dropout;
        targetModules = targetModules == null ? DEFAULT_TARGETS : targetModules;
        layers = layers == null ? null : Check.items("adapt.lora.layers", layers, "a decoder layer index");
        useRslora = useRslora != null && useRslora;
        init = init == null ? KAIMING : init;

        Check.atLeast("adapt.lora.r", r, 1);
        Check.greaterThan("adapt.lora.alpha", alpha, 0);
        Check.below("adapt.lora.dropout", dropout, 0, 1);
        if (targetModules.isEmpty()) {
            throw new ConfigException("adapt.lora.target_modules is empty; give a regex matching module paths, or leave the key"
                    + " out for the default", "adapt.lora.target_modules");
        }
        try {
            Pattern.compile(targetModules);
        } catch (PatternSyntaxException e) {
            throw new ConfigException("adapt.lora.target_modules is not a valid regex: " + e.getDescription() + " in '" + targetModules + "'",
                    "adapt.lora.target_modules");
        }
        if (layers != null) {
            if (layers.isEmpty()) {
                throw new ConfigException("adapt.lora.layers must list at least one decoder layer index, or be null for all",
                        "adapt.lora.layers");
            }
            for (int layer : layers) {
                if (layer < 0) {
                    throw new ConfigException("adapt.lora.layers must be decoder layer indices >= 0, found " + layer, "adapt.lora.layers");
                }
            }
        }
        if (!init.equals(KAIMING) && !init.equals(GAUSSIAN)) {
            throw new ConfigException("adapt.lora.init must be kaiming or gaussian, found '" + init + "'", "adapt.lora.init");
        }
    }

    public static LoraSection defaults() {
        return new LoraSection(null, null, null, null, null, null, null);
    }

    /** Multiplier of B·A: alpha / r, or alpha / √r with rank-stabilised LoRA. */
    public double scale() {
        return useRslora ? alpha / Math.sqrt(r) : alpha / r;
    }
}
