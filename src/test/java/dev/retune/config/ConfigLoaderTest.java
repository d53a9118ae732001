package dev.retune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void missingKeysTakeTheDefaults() {
        DataConfig data = ConfigLoader.defaults().data();

        assertEquals(32_000, data.sampleRate());
        assertEquals(1, data.channels());
        assertEquals(0.1, data.validFraction());
        assertEquals(false, data.allowOutsidePaths());
        assertEquals(0.0, data.text().mergeP());
    }

    @Test
    void fileValuesThenOverridesWin() throws IOException {
        Path file = write("data:\n  dataset: songs\n  segment_seconds: 4\n  text:\n    merge_p: 0.25\n");

        DataConfig data = ConfigLoader.load(file, List.of("data.segment_seconds=6.5", "data.allow_outside_paths=true")).data();

        assertEquals("songs", data.dataset());
        assertEquals(6.5, data.segmentSeconds());
        assertEquals(true, data.allowOutsidePaths());
        assertEquals(0.25, data.text().mergeP());
    }

    @Test
    void unknownKeyNamesTheKeyAndTheClosestValidOne() throws IOException {
        Path file = write("data:\n  sample_rte: 44100\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().contains("data.sample_rte"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'data.sample_rate'"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void unknownSectionIsAnError() throws IOException {
        Path file = write("dta:\n  dataset: x\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().contains("'dta'") && e.getMessage().contains("did you mean 'data'"), e.getMessage());
    }

    @Test
    void unknownKeyInAnOverrideIsAnError() throws IOException {
        Path file = write("data:\n  dataset: x\n");

        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(file, List.of("data.text.merge=0.5")));

        assertTrue(e.getMessage().contains("data.text.merge") && e.getMessage().contains("merge_p"), e.getMessage());
    }

    @Test
    void outOfRangeValueNamesTheKey() throws IOException {
        Path file = write("data:\n  valid_fraction: 1.5\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().contains("data.valid_fraction must be within [0, 1)"), e.getMessage());
    }

    @Test
    void wrongTypeNamesTheKey() throws IOException {
        Path file = write("data:\n  sample_rate: fast\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().contains("data.sample_rate"), e.getMessage());
    }

    @Test
    void brokenYamlNamesTheFile() throws IOException {
        Path file = write("data: [unclosed\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void overrideWithoutEqualsSignIsAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromOverrides(List.of("data.channels")));

        assertTrue(e.getMessage().contains("section.key=value"), e.getMessage());
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("config.yaml"), yaml);
    }
}
