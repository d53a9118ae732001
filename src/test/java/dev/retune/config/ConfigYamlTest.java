package dev.retune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing the resolved config and reading it back; JSON config files. */
class ConfigYamlTest {

    @TempDir
    Path dir;

    @Test
    void writtenDefaultsLoadBackEqual() throws IOException {
        RetuneConfig config = ConfigLoader.defaults();

        assertEquals(config, roundTrip(config));
    }

    @Test
    void writtenConfigWithEveryKeyChangedLoadsBackEqual() throws IOException {
        RetuneConfig config = new RetuneConfig(
                new ModelConfig("models/small", ModelConfig.Preset.SMALL, 5L),
                new DataConfig("songs", 44_100, 2, 10.0, 0.75, 2.5, 0.2, true, 16, "/tmp/tokens", false, 4.0, 2,
                        new TextConfig(0.25, 0.5, 0.1, List.of("genre", "bpm"))),
                new AdaptConfig(AdaptConfig.Method.FULL, true, null, null, null, null),
                new OptimConfig(3e-5, List.of(0.8, 0.999), 0.0, 1e-6, true, 2.6),
                new ScheduleConfig(ScheduleConfig.Kind.LINEAR, 50, 0.1, 0.2, 16.0),
                new PrecisionConfig(PrecisionConfig.Mode.FP16, 1024.0, 100, 4.0, 0.25),
                new TrainConfig(250, null, 4, 0.0, 0.1, 0.2, 7L, 10),
                new EvalConfig(25, 3, 8),
                new EmaConfig(true, 0.999, 2),
                new CheckpointConfig(50, 5, false),
                new DeviceConfig(DeviceConfig.Kind.CUDA, 8),
                new KernelsConfig(KernelsConfig.Mode.OFF, KernelsConfig.Mode.ON, KernelsConfig.Mode.OFF));

        assertEquals(config, roundTrip(config));
    }

    @Test
    void epochsSurviveTheRoundTripWithoutGainingMaxSteps() throws IOException {
        RetuneConfig config = ConfigLoader.fromOverrides(List.of("train.epochs=3"));

        RetuneConfig back = roundTrip(config);

        assertEquals(config, back);
        assertEquals(null, back.train().maxSteps());
    }

    @Test
    void stringsThatLookLikeOtherYamlTypesStayStrings() throws IOException {
        for (String name : List.of("2024", "1e4", "true", "null", "~", "a: b", "#x", "-1", ".inf", ".5", "Null")) {
            RetuneConfig config = ConfigLoader.fromOverrides(List.of("data.dataset='" + name + "'"));

            assertEquals(name, roundTrip(config).data().dataset(), name);
        }
    }

    @Test
    void writtenYamlUsesSnakeCaseKeysAndLowercaseValues() {
        String yaml = ConfigLoader.toYaml(ConfigLoader.defaults());

        assertTrue(yaml.startsWith("model:\n"), yaml);
        for (String line : List.of("  max_steps: 1000", "  decay_norms_biases_embeddings: false", "  kind: \"cosine\"",
                "  mode: \"fp32\"", "  method: \"full\"", "  cache_dir: null", "  epochs: null", "  lr: 1.0E-4")) {
            assertTrue(yaml.contains(line + "\n"), line + " in\n" + yaml);
        }
        assertFalse(yaml.contains("maxSteps") || yaml.contains("COSINE"), yaml);
    }

    @Test
    void jsonConfigFileIsAccepted() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), """
                {
                \t"data": {"dataset": "songs", "batch_size": 2},
                \t"optim": {"lr": 3e-5, "betas": [0.8, 0.9]},
                \t"schedule": {"kind": "constant"},
                \t"train": {"epochs": 2}
                }
                """);

        RetuneConfig config = ConfigLoader.load(file, List.of("train.grad_accum=2"));

        assertEquals("songs", config.data().dataset());
        assertEquals(2, config.data().batchSize());
        assertEquals(3e-5, config.optim().lr());
        assertEquals(List.of(0.8, 0.9), config.optim().betas());
        assertEquals(ScheduleConfig.Kind.CONSTANT, config.schedule().kind());
        assertEquals(2, config.train().epochs());
        assertEquals(2, config.train().gradAccum());
    }

    @Test
    void unknownKeyInAJsonFileSuggestsTheClosest() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "{\"ema\": {\"decy\": 0.9}}");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().contains("unknown key 'ema.decy'; did you mean 'ema.decay'?"), e.getMessage());
    }

    @Test
    void brokenJsonNamesTheFileAndTheFormat() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "{\"train\": {\"max_steps\": 200,}}");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().startsWith(file + " line 1: not valid JSON"), e.getMessage());
    }

    @Test
    void keyGivenTwiceInAJsonFileNamesBothLines() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "{\"data\": {\"batch_size\": 2,\n \"batch_size\": 3}}");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals(file + ": data.batch_size is given twice, at lines 1 and 2; keep one (the later one would silently win)",
                e.getMessage());
    }

    @Test
    void wrongTypeInAJsonFileNamesItsLine() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "{\n  \"optim\": {\n    \"lr\": \"fast\"\n  }\n}\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals(file + " line 3: optim.lr must be a number, found 'fast'", e.getMessage());
    }

    private RetuneConfig roundTrip(RetuneConfig config) throws IOException {
        Path file = dir.resolve("resolved.yaml");
        ConfigLoader.write(config, file);
        return ConfigLoader.load(file, List.of());
    }
}
