package dev.retune.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.ConfigException;
import dev.retune.config.LoraSection;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoraConfigTest {

    private static String error(int r, double alpha, double dropout, String targets, List<Integer> layers, String init) {
        return assertThrows(ConfigException.class, () -> new LoraConfig(r, alpha, dropout, targets, layers, false, init)).getMessage();
    }

    @Test
    void invalidValuesAreRejectedNamingTheField() {
        assertTrue(error(0, 8, 0, "fc1", null, "kaiming").contains("r must be at least 1"));
        assertTrue(error(4, 0, 0, "fc1", null, "kaiming").contains("alpha"));
        assertTrue(error(4, Double.NaN, 0, "fc1", null, "kaiming").contains("alpha"));
        assertTrue(error(4, 8, 1.0, "fc1", null, "kaiming").contains("dropout must be within [0, 1)"));
        assertTrue(error(4, 8, -0.1, "fc1", null, "kaiming").contains("dropout"));
        assertTrue(error(4, 8, 0, "fc(1", null, "kaiming").contains("target_modules is not a valid regex"));
        assertTrue(error(4, 8, 0, "", null, "kaiming").contains("target_modules"));
        assertTrue(error(4, 8, 0, "fc1", List.of(), "kaiming").contains("layers"));
        assertTrue(error(4, 8, 0, "fc1", List.of(-1), "kaiming").contains("layers"));
        assertTrue(error(4, 8, 0, "fc1", null, "xavier").contains("init must be kaiming or gaussian"));
    }

    @Test
    void fromTheTrainerSection() {
        LoraConfig config = LoraConfig.from(new LoraSection(8, null, 0.1, null, List.of(0, 3), true, "gaussian"));

        assertEquals(new LoraConfig(8, 16.0, 0.1, LoraSection.DEFAULT_TARGETS, List.of(0, 3), true, "gaussian"), config);
        assertEquals(16.0 / Math.sqrt(8), config.scale(), 1e-12);
    }
}
