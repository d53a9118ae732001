package dev.retune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code adapt.lora} and {@code adapt.adapters}: the one place their settings are checked, each error naming its key. */
class AdaptSectionsTest {

    private static ConfigException lora(Integer r, Double alpha, Double dropout, String targets, List<Integer> layers, String init) {
        return assertThrows(ConfigException.class, () -> new LoraSection(r, alpha, dropout, targets, layers, null, init));
    }

    private static String adapters(Integer size, List<String> positions, List<Integer> layers, String activation, Boolean text,
            Double initStd) {
        return assertThrows(ConfigException.class,
                () -> new AdaptersSection(size, positions, layers, activation, text, initStd)).getMessage();
    }

    @Test
    void loraSettingsAreRejectedNamingTheKey() {
        assertEquals("adapt.lora.r must be at least 1, found 0", lora(0, null, null, null, null, null).getMessage());
        assertEquals("adapt.lora.alpha must be greater than 0, found 0", lora(null, 0.0, null, null, null, null).getMessage());
        assertTrue(lora(null, Double.NaN, null, null, null, null).getMessage().startsWith("adapt.lora.alpha"));
        assertEquals("adapt.lora.dropout must be within [0, 1), found 1", lora(null, null, 1.0, null, null, null).getMessage());
        assertTrue(lora(null, null, null, "fc(1", null, null).getMessage().startsWith("adapt.lora.target_modules is not a valid regex"));
        assertTrue(lora(null, null, null, "", null, null).getMessage().startsWith("adapt.lora.target_modules is empty"));
        assertEquals("adapt.lora.layers must list at least one decoder layer index, or be null for all",
                lora(null, null, null, null, List.of(), null).getMessage());
        assertEquals("adapt.lora.layers must be decoder layer indices >= 0, found -1",
                lora(null, null, null, null, List.of(0, -1), null).getMessage());
        assertEquals("adapt.lora.init must be kaiming or gaussian, found 'xavier'", lora(null, null, null, null, null, "xavier").getMessage());
        assertEquals(List.of("adapt.lora.layers"), lora(null, null, null, null, List.of(-1), null).keys());
    }

    @Test
    void loraDefaultsAndScale() {
        LoraSection defaults = LoraSection.defaults();
        assertEquals(16, defaults.r());
        assertEquals(32.0, defaults.alpha(), 0.0);
        assertEquals(2.0, defaults.scale(), 1e-12);
        assertEquals(16.0 / Math.sqrt(8), new LoraSection(8, null, 0.1, null, List.of(0, 3), true, "gaussian").scale(), 1e-12);
    }

    @Test
    void adapterDefaultsAreHoulsbys() {
        AdaptersSection defaults = AdaptersSection.defaults();

        assertEquals(64, defaults.size());
        assertEquals(List.of("self_attention", "feed_forward"), defaults.positions());
        assertNull(defaults.layers());
        assertEquals("gelu", defaults.activation());
        assertFalse(defaults.textAdapter());
        assertEquals(1e-3, defaults.initStd(), 0.0);
    }

    @Test
    void adapterSettingsAreRejectedNamingTheKey() {
        assertEquals("adapt.adapters.size must be at least 1, found 0", adapters(0, null, null, null, null, null));
        assertEquals("adapt.adapters.positions: unknown position 'ffn', expected any of self_attention, cross_attention, feed_forward",
                adapters(null, List.of("ffn"), null, null, null, null));
        assertEquals("adapt.adapters.positions lists 'feed_forward' twice", adapters(null, List.of("feed_forward", "feed_forward"), null, null, null, null));
        assertEquals("adapt.adapters.positions[1] must be a position, found null",
                adapters(null, Arrays.asList("feed_forward", null), null, null, null, null));
        assertTrue(adapters(null, List.of(), null, null, false, null).startsWith("adapt.adapters.positions is empty"));
        assertTrue(adapters(null, null, List.of(), null, null, null).startsWith("adapt.adapters.layers must list at least one"));
        assertEquals("adapt.adapters.layers must be decoder layer indices >= 0, found -1", adapters(null, null, List.of(0, -1), null, null, null));
        assertEquals("adapt.adapters.activation must be gelu or relu, found 'tanh'", adapters(null, null, null, "tanh", null, null));
        assertEquals("adapt.adapters.init_std must be greater than 0, found 0", adapters(null, null, null, null, null, 0.0));
        assertTrue(adapters(null, null, null, null, null, Double.NaN).startsWith("adapt.adapters.init_std"));
        assertTrue(adapters(null, null, null, null, null, Double.POSITIVE_INFINITY).startsWith("adapt.adapters.init_std"));
    }

    @Test
    void onlyATextAdapterIsAllowed() {
        AdaptersSection config = new AdaptersSection(16, List.of(), null, "relu", true, 1e-2);

        assertTrue(config.positions().isEmpty());
        assertTrue(config.textAdapter());
    }

    @Test
    void badAdapterSettingsFailWhenTheConfigLoadsNamingWhereTheyWereSet() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromOverrides(List.of("adapt.method=adapters", "adapt.adapters.activation=tanh")));

        assertTrue(e.getMessage().contains("adapt.adapters.activation must be gelu or relu, found 'tanh'"), e.getMessage());
        assertTrue(e.getMessage().contains("--set adapt.adapters.activation=tanh"), e.getMessage());
    }
}
