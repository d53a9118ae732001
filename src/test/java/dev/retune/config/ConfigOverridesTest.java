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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --set section.key=value}: every error names the override as given and the key. */
class ConfigOverridesTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "train.max_steps=[1,        | not valid YAML: expected the node content, but found '<stream end>'",
        "optim.lr=abc               | optim.lr must be a number, found 'abc'",
        "train.max_steps=           | no value after '='; give one (quote a string that starts with #), or train.max_steps=null to reset train.max_steps to its default",
        "train.max_steps=  # later  | no value after '='",
        "data.batch_size=true       | data.batch_size must be an integer, found true",
        "data.batch_size=4000000000 | data.batch_size must be an integer from -2147483648 to 2147483647, found 4000000000",
        "data.allow_outside_paths=1 | data.allow_outside_paths must be true or false, found 1",
        "optim.betas=0.9            | optim.betas must be a list, such as [a, b], found 0.9",
        "optim.betas=[0.9, x]       | optim.betas[1] must be a number, found 'x'",
        "data.dataset=[a, b]        | data.dataset must be a string, found a list [\"a\",\"b\"]",
        "optim={lr: 1, lr: 2}       | optim.lr is given twice; keep one",
        "optim.lr=*rate             | optim.lr: YAML aliases (*rate) are not supported",
        "optim.lr=-1                | optim.lr must be greater than 0, found -1",
        "optim.lr                   | expected section.key=value, e.g. optim.lr=3e-4",
        "=5                         | the key '' has an empty part",
        "optim..lr=1                | the key 'optim..lr' has an empty part",
        "optim.lrr=1                | unknown key 'optim.lrr'; did you mean 'optim.lr'?",
        "optim.momentum=1           | unknown key 'optim.momentum'. Valid keys here: betas, decay_norms_biases_embeddings,",
    })
    void badOverrideNamesItselfAndTheKey(String override, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromOverrides(List.of(override)));

        assertTrue(e.getMessage().startsWith("--set " + override + ": " + message), e.getMessage());
    }

    @Test
    void errorInAnOverrideNamesTheOverrideNotTheFile() throws IOException {
        Path file = write("optim:\n  lr: 0.1\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of("optim.lr=-1")));

        assertEquals("--set optim.lr=-1: optim.lr must be greater than 0, found -1", e.getMessage());
    }

    @Test
    void errorInTheFileNamesItsLineEvenWithOverrides() throws IOException {
        Path file = write("optim:\n  lr: 0.1\n  eps: 0\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of("optim.lr=0.2")));

        assertEquals(file + " line 3: optim.eps must be greater than 0, found 0", e.getMessage());
    }

    @Test
    void nullResetsAKeyToItsDefault() throws IOException {
        Path file = write("train:\n  max_steps: 5\n  grad_accum: 2\n");

        TrainConfig train = ConfigLoader.load(file, List.of("train.max_steps=null")).train();

        assertEquals(TrainConfig.DEFAULT_MAX_STEPS, train.maxSteps());
        assertEquals(2, train.gradAccum());
    }

    @Test
    void emptyValueIsAnErrorNotAReset() throws IOException {
        Path file = write("train:\n  max_steps: 5\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of("train.max_steps=")));

        assertTrue(e.getMessage().startsWith("--set train.max_steps=: no value after '='"), e.getMessage());
    }

    @Test
    void sameKeyTwiceIsAnErrorNamingBothOverrides() {
        ConfigException same = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromOverrides(List.of("optim.lr=0.1", "data.batch_size=2", "optim.lr=0.2")));
        ConfigException nested = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromOverrides(List.of("optim={lr: 0.1}", "optim.lr=0.2")));

        assertEquals("--set optim.lr=0.2: --set optim.lr=0.1 already sets optim.lr; give each key once", same.getMessage());
        assertEquals("--set optim.lr=0.2: --set optim={lr: 0.1} already sets optim.lr; give each key once", nested.getMessage());
    }

    @Test
    void overrideBelowAKeyThatHoldsAValueIsAnError() throws IOException {
        Path file = write("data:\n  dataset: songs\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of("data.dataset.x=1")));

        assertEquals("--set data.dataset.x=1: data.dataset holds a value (\"songs\"), not a section of keys, so it has no"
                + " key 'x'", e.getMessage());
    }

    @Test
    void overrideMayAddASectionTheFileLacksOrLeftNull() throws IOException {
        Path file = write("ema: null\n");

        RetuneConfig config = ConfigLoader.load(file, List.of("ema.decay=0.5", "eval.every=7"));

        assertEquals(0.5, config.ema().decay());
        assertEquals(7, config.eval().every());
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("config.yaml"), yaml);
    }
}
