package dev.retune.adapt;

import dev.retune.config.ConfigException;
import dev.retune.model.MusicgenDecoderLayer.Branch;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link BottleneckAdapters#apply} attaches (Houlsby et al. 2019, "Parameter-Efficient Transfer Learning for NLP").
 * A null component takes its default, so the trainer's {@code adapt.adapters} section can pass its values through as
 * they are. Validated here; whether {@code layers} fit a given model is checked when the adapters are applied. Errors
 * are {@link ConfigException}s naming the key ({@code adapt.adapters.size}, ...).
 *
 * @param size        m, the bottleneck width: each adapter is down [m, D] then up [D, m] (default 64)
 * @param positions   after which residual branches of each decoder layer an adapter sits: any of
 *                    {@code self_attention}, {@code cross_attention}, {@code feed_forward} (default
 *                    {@code [self_attention, feed_forward]}: after attention and after the feed-forward, as Houlsby);
 *                    may be empty only with {@code textAdapter}
 * @param layers      decoder layer indices that get adapters (null = all)
 * @param activation  the nonlinearity between down and up: {@code gelu} (default) or {@code relu}
 * @param textAdapter also adapt the text conditioning: Δ(x) = up(act(down(x))) added to {@code enc_to_dec_proj}'s
 *                    output, down [m, D_text], up [D, m] (default false)
 * @param initStd     std of the down projections' normal init (default 1e-3, Houlsby's near-identity init); up
 *                    projections and all biases start at zero, so the adapted model starts as the base model
 */
public record BottleneckConfig(Integer size, List<String> positions, List<Integer> layers, String activation,
                               Boolean textAdapter, Double initStd) {

    public static final int DEFAULT_SIZE = 64;
    public static final String SELF_ATTENTION = "self_attention";
    public static final String CROSS_ATTENTION = "cross_attention";
    public static final String FEED_FORWARD = "feed_forward";
    public static final List<String> DEFAULT_POSITIONS = List.of(SELF_ATTENTION, FEED_FORWARD);
    public static final String GELU = "gelu";
    public static final String RELU = "relu";
    public static final double DEFAULT_INIT_STD = 1e-3;

    /** Position names → the decoder layer's branches, in forward order. */
    private static final Map<String, Branch> BRANCHES = new LinkedHashMap<>();

    static {
        BRANCHES.put(SELF_ATTENTION, Branch.SELF_ATTENTION);
        BRANCHES.put(CROSS_ATTENTION, Branch.CROSS_ATTENTION);
        BRANCHES.put(FEED_FORWARD, Branch.FEED_FORWARD);
    }

    public BottleneckConfig {
        size = size == null ? DEFAULT_SIZE : size;
        positions = positions == null ? DEFAULT_POSITIONS : copy("adapt.adapters.positions", positions);
        layers = layers == null ? null : copy("adapt.adapters.layers", layers);
        activation = activation == null ? GELU : activation;
        textAdapter = textAdapter != null && textAdapter;
        initStd = initStd == null ? DEFAULT_INIT_STD : initStd;

        if (size < 1) {
            throw new ConfigException("adapt.adapters.size must be at least 1, found " + size);
        }
        Set<String> seen = new HashSet<>();
        for (String position : positions) {
            if (!BRANCHES.containsKey(position)) {
                throw new ConfigException("adapt.adapters.positions: unknown position '" + position + "', expected any of "
                        + String.join(", ", BRANCHES.keySet()));
            }
            if (!seen.add(position)) {
                throw new ConfigException("adapt.adapters.positions lists '" + position + "' twice");
            }
        }
        if (positions.isEmpty() && !textAdapter) {
            throw new ConfigException("adapt.adapters.positions is empty and adapt.adapters.text_adapter is false: no"
                    + " adapter would train; list at least one of " + String.join(", ", BRANCHES.keySet()));
        }
        if (layers != null) {
            if (layers.isEmpty()) {
                throw new ConfigException("adapt.adapters.layers must list at least one decoder layer index, or be null"
                        + " for all");
            }
            for (int layer : layers) {
                if (layer < 0) {
                    throw new ConfigException("adapt.adapters.layers must be decoder layer indices >= 0, found " + layer);
                }
            }
        }
        if (!activation.equals(GELU) && !activation.equals(RELU)) {
            throw new ConfigException("adapt.adapters.activation must be " + GELU + " or " + RELU + ", found '"
                    + activation + "'");
        }
        if (!(initStd > 0) || Double.isInfinite(initStd)) {
            throw new ConfigException("adapt.adapters.init_std must be a finite number > 0 (with a zero down projection"
                    + " no adapter would train), found " + initStd);
        }
    }

    /** Every default: m = 64 after self-attention and feed-forward of every decoder layer, GELU, no text adapter. */
    public static BottleneckConfig defaults() {
        return new BottleneckConfig(null, null, null, null, null, null);
    }

    /** {@link #positions} as the decoder layer's branches, in forward order. */
    public Set<Branch> branches() {
        Set<Branch> branches = EnumSet.noneOf(Branch.class);
        positions.forEach(position -> branches.add(BRANCHES.get(position)));
        return branches;
    }

    /** An immutable copy; a null entry is a config error rather than a NullPointerException. */
    private static <T> List<T> copy(String key, List<T> values) {
        List<T> copy = new ArrayList<>(values.size());
        for (T value : values) {
            if (value == null) {
                throw new ConfigException(key + " has an empty entry");
            }
            copy.add(value);
        }
        return List.copyOf(copy);
    }
}
