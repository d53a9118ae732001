package dev.retune.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigException;
import dev.retune.model.MusicgenDecoderLayer.Branch;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class BottleneckConfigTest {

    private static String error(Integer size, List<String> positions, List<Integer> layers, String activation,
            Boolean text, Double initStd) {
        return assertThrows(ConfigException.class,
                () -> new BottleneckConfig(size, positions, layers, activation, text, initStd)).getMessage();
    }

    @Test
    void defaultsAreHoulsbys() {
        BottleneckConfig config = BottleneckConfig.defaults();

        assertEquals(64, config.size());
        assertEquals(List.of("self_attention", "feed_forward"), config.positions());
        assertEquals(EnumSet.of(Branch.SELF_ATTENTION, Branch.FEED_FORWARD), config.branches());
        assertNull(config.layers());
        assertEquals("gelu", config.activation());
        assertFalse(config.textAdapter());
        assertEquals(1e-3, config.initStd(), 0.0);
    }

    @Test
    void invalidValuesAreRejectedNamingTheKey() {
        assertTrue(error(0, null, null, null, null, null).contains("adapt.adapters.size must be at least 1, found 0"));
        assertTrue(error(null, List.of("ffn"), null, null, null, null)
                .contains("adapt.adapters.positions: unknown position 'ffn', expected any of self_attention, cross_attention, feed_forward"));
        assertTrue(error(null, List.of("feed_forward", "feed_forward"), null, null, null, null).contains("adapt.adapters.positions lists 'feed_forward' twice"));
        assertTrue(error(null, Arrays.asList("feed_forward", null), null, null, null, null).contains("adapt.adapters.positions has an empty entry"));
        assertTrue(error(null, List.of(), null, null, false, null).contains("adapt.adapters.positions is empty"));
        assertTrue(error(null, null, List.of(), null, null, null).contains("adapt.adapters.layers"));
        assertTrue(error(null, null, List.of(0, -1), null, null, null).contains("adapt.adapters.layers must be decoder layer indices >= 0, found -1"));
        assertTrue(error(null, null, null, "tanh", null, null).contains("adapt.adapters.activation must be gelu or relu, found 'tanh'"));
        assertTrue(error(null, null, null, null, null, 0.0).contains("adapt.adapters.init_std"));
        assertTrue(error(null, null, null, null, null, Double.NaN).contains("adapt.adapters.init_std"));
        assertTrue(error(null, null, null, null, null, Double.POSITIVE_INFINITY).contains("adapt.adapters.init_std"));
    }

    @Test
    void onlyATextAdapterIsAllowed() {
        BottleneckConfig config = new BottleneckConfig(16, List.of(), null, "relu", true, 1e-2);

        assertTrue(config.branches().isEmpty());
        assertTrue(config.textAdapter());
    }
}
