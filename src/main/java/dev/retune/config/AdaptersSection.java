package dev.retune.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Section {@code adapt.adapters}: Houlsby bottleneck adapters (Houlsby et al. 2019, "Parameter-Efficient Transfer
 * Learning for NLP") when {@code adapt.method} is {@code adapters}. The one place these settings are checked; whether
 * {@code layers} fit a given model is checked when the adapters are applied to it.
 *
 * @param size        m, the bottleneck width: each adapter is down [m, D] then up [D, m] (default 64)
 * @param positions   after which residual branches of each decoder layer an adapter sits: any of
 *                    {@code self_attention}, {@code cross_attention}, {@code feed_forward} (default
 *                    {@code [self_attention, feed_forward]}: after attention and after the feed-forward, as Houlsby);
 *                    may be empty only with {@code text_adapter}
 * @param layers      decoder layer indices that get adapters (null = all)
 * @param activation  the nonlinearity between down and up: {@code gelu} (default) or {@code relu}
 * @param textAdapter also adapt the text conditioning: an adapter on the text projection {@code enc_to_dec_proj}
 *                    (default false)
 * @param initStd     std of the down projections' normal init (default 1e-3, Houlsby's near-identity init); up
 *                    projections and all biases start at zero, so the adapted model starts as the base model
 */
public record AdaptersSection(Integer size, List<String> positions, List<Integer> layers, String activation,
                              Boolean textAdapter, Double initStd) {

    public static final String SELF_ATTENTION = "self_attention";
    public static final String CROSS_ATTENTION = "cross_attention";
    public static final String FEED_FORWARD = "feed_forward";
    /** Every position, in the decoder layer's forward order. */
    public static final List<String> POSITIONS = List.of(SELF_ATTENTION, CROSS_ATTENTION, FEED_FORWARD);
    public static final String GELU = "gelu";
    public static final String RELU = "relu";

    public AdaptersSection {
        size = size == null ? 64 : size;
        positions = positions == null ? List.of(SELF_ATTENTION, FEED_FORWARD) : Check.items("adapt.adapters.positions", positions, "a position");
        layers = layers == null ? null : Check.items("adapt.adapters.layers", layers, "a decoder layer index");
        activation = activation == null ? GELU : activation;
        textAdapter = textAdapter != null && textAdapter;
        initStd = initStd == null ? 1e-3 : initStd;

        Check.atLeast("adapt.adapters.size", size, 1);
        Set<String> seen = new HashSet<>();
        for (String position : positions) {
            if (!POSITIONS.contains(position)) {
                throw new ConfigException("adapt.adapters.positions: unknown position '" + position + "', expected any of "
                        + String.join(", ", POSITIONS), "adapt.adapters.positions");
            }
            if (!seen.add(position)) {
                throw new ConfigException("adapt.adapters.positions lists '" + position + "' twice", "adapt.adapters.positions");
            }
        }
        if (positions.isEmpty() && !textAdapter) {
            throw new ConfigException("adapt.adapters.positions is empty and adapt.adapters.text_adapter is false: no adapter"
                    + " would train; list at least one of " + String.join(", ", POSITIONS), "adapt.adapters.positions");
        }
        if (layers != null) {
            if (layers.isEmpty()) {
                throw new ConfigException("adapt.adapters.layers must list at least one decoder layer index, or be null for all",
                        "adapt.adapters.layers");
            }
            for (int layer : layers) {
                if (layer < 0) {
                    throw new ConfigException("adapt.adapters.layers must be decoder layer indices >= 0, found " + layer,
                            "adapt.adapters.layers");
                }
            }
        }
        if (!activation.equals(GELU) && !activation.equals(RELU)) {
            throw new ConfigException("adapt.adapters.activation must be " + GELU + " or " + RELU + ", found '" + activation + "'",
                    "adapt.adapters.activation");
        }
        // With a zero down projection no adapter would ever train.
        Check.greaterThan("adapt.adapters.init_std", initStd, 0);
    }

    /** Every default: m = 64 after self-attention and feed-forward of every decoder layer, GELU, no text adapter. */
    public static AdaptersSection defaults() {
        return new AdaptersSection(null, null, null, null, null, null);
    }
}
