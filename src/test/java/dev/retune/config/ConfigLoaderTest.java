package dev.retune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "data:\\n  batch_size: 2\\n  dataset: x\\n  batch_size: 3                    | data.batch_size is given twice, at lines 2 and 4",
        "data:\\n  text:\\n    merge_p: 0.1\\n    fields: [a]\\n    merge_p: 0.2 | data.text.merge_p is given twice, at lines 3 and 5",
        "data:\\n  batch_size: 2\\ntrain:\\n  max_steps: 3\\ndata:\\n  dataset: x  | data is given twice, at lines 1 and 5",
        "data: {batch_size: 2, batch_size: 3}                                   | data.batch_size is given twice, both on line 1",
        "optim:\\n  betas: [0.9, {a: 1, a: 2}]                                   | optim.betas[1].a is given twice, both on line 2",
    })
    void keyGivenTwiceInAFileIsAnErrorNamingTheKeyAndBothLines(String yaml, String message) throws IOException {
        Path file = write(yaml.replace("\\n", "\n"));

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals(file + ": " + message + "; keep one (the later one would silently win)", e.getMessage());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "data:\\n  dataset: x\\n  sample_rte: 3      | line 3: unknown key 'data.sample_rte'; did you mean 'data.sample_rate'?",
        "data:\\n  dataset: x\\n  batch_size: abc    | line 3: data.batch_size must be an integer, found 'abc'",
        "data:\\n  batch_size: 99999999999         | line 2: data.batch_size must be an integer from -2147483648 to 2147483647, found 99999999999",
        "data:\\n  allow_outside_paths: 1          | line 2: data.allow_outside_paths must be true or false, found 1",
        "optim:\\n  betas: [0.9, fast]             | line 2: optim.betas[1] must be a number, found 'fast'",
        "train: 5                                | line 1: train must be a section of keys, such as {key: value}, found 5",
        "optim:\\n  lr: 0.1\\n  eps: -1           | line 3: optim.eps must be greater than 0, found -1",
        "data:\\n  dataset: [x\\n  batch_size: 2     | line 3: not valid YAML: expected ',' or ']'",
        "data:\\n  dataset: x\\n---\\ntrain: {}       | line 4: a second YAML document starts here",
        "data:\\n  dataset: &d x\\nmodel:\\n  path: *d | line 4: model.path: YAML aliases (*d) are not supported",
    })
    void badValueInAFileNamesTheFileLineAndKey(String yaml, String message) throws IOException {
        Path file = write(yaml.replace("\\n", "\n"));

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().startsWith(file + " " + message), e.getMessage());
    }

    @Test
    void recordCheckOfTwoKeysNamesWhereEachWasSet() throws IOException {
        Path file = write("train:\n  seed: 1\n  max_steps: 3\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of("train.epochs=2")));

        assertTrue(e.getMessage().startsWith(file + " line 3, --set train.epochs=2: train.max_steps (3) and train.epochs (2)"
                + " are both set"), e.getMessage());
    }

    @Test
    void tildeAndNullBothMeanTheDefault() throws IOException {
        Path file = write("model:\n  path: ~\n  preset: Null\ntrain:\n  max_steps: null\n");

        RetuneConfig config = ConfigLoader.load(file, List.of());

        assertEquals(null, config.model().path());
        assertEquals(null, config.model().preset());
        assertEquals(TrainConfig.DEFAULT_MAX_STEPS, config.train().maxSteps());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "# only a comment\n", "\n\n"})
    void emptyFileIsAnErrorNotTheDefaults(String text) throws IOException {
        Path file = write(text);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals(file + " is empty; a config needs at least one section, such as model: or data: (write {} to take"
                + " every default)", e.getMessage());
        assertEquals(ConfigLoader.defaults(), ConfigLoader.load(write("{}"), List.of()));
    }

    @Test
    void folderMissingFileAndDeviceAreRefusedByName() {
        ConfigException folder = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir, List.of()));
        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("x.yaml"), List.of()));
        ConfigException device = assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of("/dev/null"), List.of()));

        assertEquals(dir + " is a folder; give a config file (YAML, or JSON named *.json)", folder.getMessage());
        assertEquals("config file not found: " + dir.resolve("x.yaml"), missing.getMessage());
        assertEquals("/dev/null is not a regular file (a pipe, device or socket); give a config file", device.getMessage());
    }

    @Test
    void fileThatIsNotUtf8NamesTheLineOfTheFirstBadByte() throws IOException {
        Path file = Files.write(dir.resolve("latin1.yaml"), "data:\n  dataset: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals(file + " line 2: not valid UTF-8 (byte 0xE9); save the file as UTF-8", e.getMessage());
    }

    @Test
    void byteOrderMarkIsDropped() throws IOException {
        Path file = write("\uFEFFdata:\n  dataset: songs\n");

        assertEquals("songs", ConfigLoader.load(file, List.of()).data().dataset());
    }

    @Test
    void fileTooLargeForAConfigIsRefusedUnread() throws IOException {
        Path file = Files.write(dir.resolve("song.yaml"), new byte[(int) ConfigLoader.MAX_FILE_BYTES + 1]);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals(file + " holds 1048577 bytes, too many for a config (at most 1048576); is it the right file?", e.getMessage());
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("config.yaml"), yaml);
    }
}
