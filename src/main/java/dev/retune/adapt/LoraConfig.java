package dev.retune.adapt;

import dev.retune.config.ConfigException;
import dev.retune.config.LoraSection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What {@link Lora#apply} adapts and how. Validated here; whether {@code targetModules} and {@code layers} fit a given
 * model is checked when they are applied to it. Errors are {@link ConfigException}s naming the field.
 *
 * @param rank          r, the inner width of each adapter: A is [r, in], B is [out, r]
 * @param alpha         scale numerator: Δ(x) = scale · B·A·x with scale = alpha / r (or alpha / √r, see useRslora)
 * @param dropout       dropout on the adapter's input while the adapted Linear is training, in [0, 1)
 * @param targetModules regex searched ({@link java.util.regex.Matcher#find()}) in each Linear's full module path,
 *                      e.g. {@code self_attn\.(q|k|v|out)_proj|encoder_attn\..*_proj|fc1|fc2}
 * @param layers        decoder layer indices to restrict to (null = no restriction); when set, only Linears under
 *                      {@code decoder.model.decoder.layers.N.} with N listed are adapted
 * @param useRslora     rank-stabilised LoRA: scale = alpha / √r
 * @param init          {@code kaiming}: A Kaiming-uniform with a = √5 (as nn.Linear and PEFT), i.e. U(±1/√in);
 *                      {@code gaussian}: A ~ N(0, σ = 1/r) (as PEFT's "gaussian"); B is zero either way
 */
public record LoraConfig(int rank, double alpha, double dropout, String targetModules, List<Integer> layers,
                         boolean useRslora, String init) {

    public static final String KAIMING = "kaiming";
    public static final String GAUSSIAN = "gaussian";

    public LoraConfig {
        if (rank < 1) {
            throw new ConfigException("lora r must be at least 1, found " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new ConfigException("lora alpha must be a finite number > 0, found " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new ConfigException("lora dropout must be within [0, 1), found " + dropout);
        }
        if (targetModules == null || targetModules.isEmpty()) {
            throw new ConfigException("lora target_modules must be a regex matching module paths, found "
                    + (targetModules == null ? "none" : "an empty string"));
        }
        try {
            Pattern.compile(targetModules);
        } catch (PatternSyntaxException e) {
            throw new ConfigException("lora target_modules is not a valid regex: " + e.getDescription() + " in '"
                    + targetModules + "'");
        }
        if (layers != null) {
            layers = List.copyOf(layers); // also rejects null entries
            if (layers.isEmpty()) {
                throw new ConfigException("lora layers must list at least one decoder layer index, or be null for all");
            }
            for (int layer : layers) {
                if (layer < 0) {
                    throw new ConfigException("lora layers must be decoder layer indices >= 0, found " + layer);
                }
            }
        }
        if (init == null || !(init.equals(KAIMING) || init.equals(GAUSSIAN))) {
            throw new ConfigException("lora init must be " + KAIMING + " or " + GAUSSIAN + ", found '" + init + "'");
        }
    }

    /** The trainer's {@code adapt.lora} section (already validated there) as a LoRA config. */
    public static LoraConfig from(LoraSection section) {
        return new LoraConfig(section.r(), section.alpha(), section.dropout(), section.targetModules(),
                section.layers(), section.useRslora(), section.init());
    }

    /** Multiplier of B·A: alpha / r, or alpha / √r with rank-stabilised LoRA. */
    public double scale() {
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** {@link #targetModules} compiled. */
    public Pattern targetPattern() {
        return Pattern.compile(targetModules);
    }
}
