package dev.retune.config;

import java.util.List;

/**
 * Section {@code adapt.adapters}: Houlsby bottleneck adapters when {@code adapt.method} is {@code adapters}. Null keys
 * take the adapter defaults (validated, with messages naming these keys, where the adapters are built).
 *
 * @param size        bottleneck width m (default 64)
 * @param positions   after which residual branches: self_attention, cross_attention, feed_forward (default: the
 *                    first and the last, as Houlsby)
 * @param layers      decoder layer indices (null = all)
 * @param activation  gelu or relu
 * @param textAdapter also adapt the text conditioning (an adapter on the text projection)
 * @param initStd     standard deviation of the down projection's init; the up projection starts at zero
 */
public record AdaptersSection(Integer size, List<String> positions, List<Integer> layers, String activation,
                              Boolean textAdapter, Double initStd) {

    public static AdaptersSection defaults() {
        return new AdaptersSection(null, null, null, null, null, null);
    }
}
