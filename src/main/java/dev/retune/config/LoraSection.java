package dev.retune.config;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Section {@code adapt.lora}: low-rank adapters on the Linear layers whose module path matches {@code target_modules}.
 *
 * @param r              rank of each adapter
 * @param alpha          scale numerator: the update is (alpha / r) · B·A, or (alpha / √r) with {@code use_rslora}
 * @param dropout        dropout on the adapter's input during training
 * @param targetModules  regex searched in each Linear's Hugging Face module path
 * @param layers         decoder layer indices to adapt (null = all)
 * @param useRslora      rank-stabilised scaling alpha / √r
 * @param init           {@code kaiming} (A Kaiming-uniform, B zero, as PEFT) or {@code gaussian} (A ~ N(0, 1/r), B zero)
 */
public record LoraSection(Integer r, Double alpha, Double dropout, String targetModules, List<Integer> layers,
                          Boolean useRslora, String init) {

    /** Attention (self and cross) and feed-forward projections of the decoder. */
    public static final String DEFAULT_TARGETS = "self_attn\\.(q|k|v|out)_proj|encoder_attn\\.(q|k|v|out)_proj|\\.fc[12]$";

    public LoraSection {
        r = r == null ? 16 : r;
        alpha = alpha == null ? 2.0 * r : alpha;
        dropout = dropout == null ? 0.05 : dropout;
        targetModules = targetModules == null ? DEFAULT_TARGETS : targetModules;
        layers = layers == null ? null : Check.items("adapt.lora.layers", layers, "a decoder layer index");
        useRslora = useRslora != null && useRslora;
        init = init == null ? "kaiming" : init;

        Check.atLeast("adapt.lora.r", r, 1);
        Check.greaterThan("adapt.lora.alpha", alpha, 0);
        Check.below("adapt.lora.dropout", dropout, 0, 1);
        try {
            Pattern.compile(targetModules);
        } catch (PatternSyntaxException e) {
            throw new ConfigException("adapt.lora.target_modules is not a valid regex: " + e.getDescription() + " in '" + targetModules + "'",
                    "adapt.lora.target_modules");
        }
        if (!init.equals("kaiming") && !init.equals("gaussian")) {
            throw new ConfigException("adapt.lora.init must be kaiming or gaussian, found '" + init + "'", "adapt.lora.init");
        }
    }

    public static LoraSection defaults() {
        return new LoraSection(null, null, null, null, null, null, null);
    }
}
