package dev.retune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The trainer's sections: defaults, range checks, enumerated values, cross-field rules. */
class ConfigSectionsTest {

    @TempDir
    Path dir;

    @Test
    void everySectionHasItsDefaults() {
        RetuneConfig config = ConfigLoader.defaults();

        assertEquals(new ModelConfig(null, null, 0L), config.model());
        assertEquals(new AdaptConfig(AdaptConfig.Method.FULL, false, null, null, null, null), config.adapt());
        assertEquals(new OptimConfig(1e-4, List.of(0.9, 0.95), 0.1, 1e-8, false, null), config.optim());
        assertEquals(new ScheduleConfig(ScheduleConfig.Kind.COSINE, 0, 0.0, 0.1, 32.0), config.schedule());
        assertEquals(new PrecisionConfig(PrecisionConfig.Mode.FP32, 65_536.0, 2_000, 2.0, 0.5), config.precision());
        assertEquals(new TrainConfig(1_000, null, 1, 1.0, 0.3, 0.0, 42L, 1), config.train());
        assertEquals(new EvalConfig(100, 0, null), config.eval());
        assertEquals(new EmaConfig(false, 0.99, 1), config.ema());
        assertEquals(new CheckpointConfig(100, 2, true), config.checkpoint());
        assertEquals(new DeviceConfig(DeviceConfig.Kind.AUTO, 0), config.device());
    }

    @Test
    void dataKeepsItsKeysAndGainsBatching() {
        DataConfig data = ConfigLoader.defaults().data();

        assertEquals(32_000, data.sampleRate());
        assertEquals(30.0, data.segmentSeconds());
        assertEquals(4, data.batchSize());
        assertNull(data.cacheDir());
        assertTrue(data.useCache());
        assertNull(data.encodeChunkSeconds(), "sized to the codec and device");
        assertEquals(0, data.encodeWorkers(), "chosen from the codec, the device and libtorch's threads");
        assertEquals(TextConfig.defaults(), data.text());
    }

    @Test
    void missingSectionsEqualTheirDefaultsAndTheStaticDefaults() throws IOException {
        RetuneConfig config = ConfigLoader.load(write("train:\n  grad_accum: 8\n"), List.of());

        assertEquals(8, config.train().gradAccum());
        assertEquals(OptimConfig.defaults(), config.optim());
        assertEquals(ConfigLoader.defaults(), new RetuneConfig(null, null, null, null, null, null, null, null, null,
                null, null, null));
    }

    @Test
    void listsCompareByValue() {
        OptimConfig optim = new OptimConfig(null, new ArrayList<>(List.of(0.9, 0.95)), null, null, null, null);

        assertEquals(OptimConfig.defaults(), optim);
        assertThrows(UnsupportedOperationException.class, () -> optim.betas().add(0.5));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "optim.lr=-1                  | optim.lr must be greater than 0, found -1",
        "optim.lr=0                   | optim.lr must be greater than 0, found 0",
        "optim.lr=.inf                | optim.lr must be a finite number, found Infinity",
        "optim.lr=.nan                | optim.lr must be greater than 0, found NaN",
        "optim.eps=0                  | optim.eps must be greater than 0, found 0",
        "optim.weight_decay=-0.1      | optim.weight_decay must be at least 0, found -0.1",
        "optim.betas=[0.9]            | optim.betas must hold 2 values [beta1, beta2], found 1",
        "optim.betas=[0.9, 1.0]       | optim.betas[1] must be within [0, 1), found 1",
        "optim.betas=[-0.1, 0.9]      | optim.betas[0] must be within [0, 1), found -0.1",
        "optim.betas=[0.9, null]      | optim.betas[1] must be a number, found null",
        "schedule.warmup_steps=-1     | schedule.warmup_steps must be at least 0, found -1",
        "schedule.min_lr_ratio=1.5    | schedule.min_lr_ratio must be within [0, 1], found 1.5",
        "precision.initial_scale=0    | precision.initial_scale must be greater than 0, found 0",
        "precision.growth_interval=0  | precision.growth_interval must be at least 1, found 0",
        "precision.growth_factor=1    | precision.growth_factor must be greater than 1, found 1",
        "precision.backoff_factor=1   | precision.backoff_factor must be within (0, 1), found 1",
        "precision.backoff_factor=0   | precision.backoff_factor must be within (0, 1), found 0",
        "train.max_steps=0            | train.max_steps must be at least 1, found 0",
        "train.epochs=0               | train.epochs must be at least 1, found 0",
        "train.grad_accum=0           | train.grad_accum must be at least 1, found 0",
        "train.clip_norm=-1           | train.clip_norm must be at least 0, found -1",
        "train.cfg_dropout_p=1.1      | train.cfg_dropout_p must be within [0, 1], found 1.1",
        "train.word_dropout_p=-0.5    | train.word_dropout_p must be within [0, 1], found -0.5",
        "train.log_every=0            | train.log_every must be at least 1, found 0",
        "eval.every=0                 | eval.every must be at least 1, found 0",
        "eval.patience=-1             | eval.patience must be at least 0, found -1",
        "eval.max_batches=0           | eval.max_batches must be at least 1, found 0",
        "ema.decay=1                  | ema.decay must be within (0, 1), found 1",
        "ema.decay=0                  | ema.decay must be within (0, 1), found 0",
        "ema.every=0                  | ema.every must be at least 1, found 0",
        "checkpoint.every=0           | checkpoint.every must be at least 1, found 0",
        "checkpoint.keep_last=0       | checkpoint.keep_last must be at least 1, found 0",
        "device.threads=-1            | device.threads must be at least 0, found -1",
        "data.batch_size=0            | data.batch_size must be at least 1, found 0",
        "data.min_seconds=-1          | data.min_seconds must be at least 0, found -1",
        "data.text.fields=[genre, null] | data.text.fields[1] must be a column name, found null",
        "train.grad_accum=1.5         | train.grad_accum must be an integer written with digits only, found 1.5",
        "train.max_steps=1e4          | train.max_steps must be an integer written with digits only, found 10000.0",
        "data.segment_seconds=1e9     | data.segment_seconds must be at most 3600, found 1000000000",
        "data.segment_seconds=0       | data.segment_seconds must be greater than 0, found 0",
        "data.segment_seconds=.nan    | data.segment_seconds must be greater than 0, found NaN",
        "data.segment_seconds=-.inf   | data.segment_seconds must be a finite number, found -Infinity",
        "data.dataset=''              | data.dataset is empty; give a folder, or null (or leave the key out) for the default",
        "data.cache_dir='  '          | data.cache_dir is empty",
        "data.encode_chunk_seconds=0.05 | data.encode_chunk_seconds must be within [0.1, 600], found 0.05",
        "data.encode_chunk_seconds=3600 | data.encode_chunk_seconds must be within [0.1, 600], found 3600",
        "data.encode_chunk_seconds=.nan | data.encode_chunk_seconds must be within [0.1, 600], found NaN",
        "data.encode_workers=-1       | data.encode_workers must be within [0, 64], found -1",
        "data.encode_workers=65       | data.encode_workers must be within [0, 64], found 65",
        "model.path=''                | model.path is empty",
        "adapt.lora.layers=[1, null]  | adapt.lora.layers[1] must be a decoder layer index, found null",
        "adapt.partial.patterns=[~]   | adapt.partial.patterns[0] must be a regex, found null",
        "adapt.unfreeze.stages=[null] | adapt.unfreeze.stages[0] must be a stage (a mapping with groups:), found null",
        "adapt.unfreeze.stages=[{groups: [heads, null]}] | adapt.unfreeze.stages.groups[1] must be a group name, found null",
    })
    void outOfRangeValueNamesItsKey(String override, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromOverrides(List.of(override)));

        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "optim.lr=0.5                 | 0.5",
        "schedule.min_lr_ratio=1      | 1.0",
        "train.clip_norm=0            | 0.0",
        "train.cfg_dropout_p=0        | 0.0",
        "precision.backoff_factor=0.9 | 0.9",
        "data.segment_seconds=3600    | 3600.0",
        "data.encode_chunk_seconds=0.1 | 0.1",
        "data.encode_chunk_seconds=600 | 600.0",
        "data.encode_workers=64       | 64",
    })
    void boundaryValuesInsideTheRangeAreAccepted(String override, double value) {
        RetuneConfig config = ConfigLoader.fromOverrides(List.of(override));

        String key = override.substring(override.indexOf('.') + 1, override.indexOf('='));
        double actual = switch (key) {
            case "lr" -> config.optim().lr();
            case "min_lr_ratio" -> config.schedule().minLrRatio();
            case "clip_norm" -> config.train().clipNorm();
            case "cfg_dropout_p" -> config.train().cfgDropoutP();
            case "backoff_factor" -> config.precision().backoffFactor();
            case "segment_seconds" -> config.data().segmentSeconds();
            case "encode_chunk_seconds" -> config.data().encodeChunkSeconds();
            case "encode_workers" -> config.data().encodeWorkers();
            default -> throw new AssertionError(key);
        };
        assertEquals(value, actual);
    }

    @Test
    void setMaxStepsOverridesTheDefaultLength() {
        TrainConfig train = ConfigLoader.fromOverrides(List.of("train.max_steps=200")).train();

        assertEquals(200, train.maxSteps());
        assertNull(train.epochs());
    }

    @Test
    void epochsAloneLeaveMaxStepsUnset() {
        TrainConfig train = ConfigLoader.fromOverrides(List.of("train.epochs=3")).train();

        assertEquals(3, train.epochs());
        assertNull(train.maxSteps());
    }

    @Test
    void maxStepsAndEpochsTogetherNameBothKeys() throws IOException {
        Path file = write("train:\n  max_steps: 500\n");

        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(file, List.of("train.epochs=2")));

        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("train.max_steps (500) and train.epochs (2) are both set"), e.getMessage());
        assertTrue(e.getMessage().contains("remove train.epochs") && e.getMessage().contains("or remove train.max_steps"),
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "schedule.kind=cosin   | schedule.kind must be one of cosine, linear, constant, slanted_triangular, found 'cosin'; did you mean 'cosine'?",
        "schedule.kind=Linear  | schedule.kind must be one of cosine, linear, constant, slanted_triangular, found 'Linear'; did you mean 'linear'?",
        "precision.mode=bf-16  | precision.mode must be one of fp32, bf16, fp16, found 'bf-16'; did you mean 'bf16'?",
        "device.kind=cude      | device.kind must be one of auto, cpu, cuda, found 'cude'; did you mean 'cuda'?",
        "model.preset=smal     | model.preset must be one of tiny, small, medium, large, found 'smal'; did you mean 'small'?",
        "adapt.method=ful      | adapt.method must be one of full, lora, partial, adapters, found 'ful'; did you mean 'full'?",
    })
    void unknownEnumValueListsTheAcceptedOnesAndTheClosest(String override, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromOverrides(List.of(override)));

        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void unknownEnumValueFarFromAllAcceptedOnesSuggestsNothing() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromOverrides(List.of("adapt.method=prompt_tuning")));

        assertTrue(e.getMessage().contains("adapt.method must be one of full, lora, partial, adapters, found 'prompt_tuning'"), e.getMessage());
        assertFalse(e.getMessage().contains("did you mean"), e.getMessage());
    }

    @Test
    void numberForAnEnumIsRejectedNotTakenAsAnIndex() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromOverrides(List.of("precision.mode=1")));

        assertTrue(e.getMessage().contains("precision.mode must be one of fp32, bf16, fp16"), e.getMessage());
    }

    @Test
    void enumValuesAreReadInLowercase() {
        RetuneConfig config = ConfigLoader.fromOverrides(List.of("schedule.kind=linear", "precision.mode=bf16",
                "device.kind=cpu", "model.preset=tiny", "adapt.method=full"));

        assertEquals(ScheduleConfig.Kind.LINEAR, config.schedule().kind());
        assertEquals(PrecisionConfig.Mode.BF16, config.precision().mode());
        assertEquals(DeviceConfig.Kind.CPU, config.device().kind());
        assertEquals(ModelConfig.Preset.TINY, config.model().preset());
        assertEquals("tiny", config.model().preset().value());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "optim:\\n  weight_decy: 0.1      | optim.weight_decy      | optim.weight_decay",
        "schedule:\\n  warmup_step: 10    | schedule.warmup_step   | schedule.warmup_steps",
        "train:\\n  max_step: 10          | train.max_step         | train.max_steps",
        "ema:\\n  enable: true            | ema.enable             | ema.enabled",
        "checkpoint:\\n  keep_lst: 3      | checkpoint.keep_lst    | checkpoint.keep_last",
        "precision:\\n  mod: fp16         | precision.mod          | precision.mode",
        "model:\\n  pth: x                | model.pth              | model.path",
        "data:\\n  batchsize: 8           | data.batchsize         | data.batch_size",
        "optimizer:\\n  lr: 0.1           | optimizer              | optim",
    })
    void unknownKeyInANewSectionSuggestsTheClosest(String yaml, String key, String suggestion) throws IOException {
        Path file = write(yaml.replace("\\n", "\n"));

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().contains("unknown key '" + key + "'; did you mean '" + suggestion + "'?"),
                e.getMessage());
    }

    @Test
    void requireSourceNamesBothKeysWhenNoModelIsGiven() {
        ModelConfig model = ConfigLoader.defaults().model();

        ConfigException e = assertThrows(ConfigException.class, model::requireSource);

        assertTrue(e.getMessage().contains("model.path") && e.getMessage().contains("model.preset"), e.getMessage());
    }

    @Test
    void requireSourceAcceptsAPathOrAPreset() {
        ModelConfig byPath = ConfigLoader.fromOverrides(List.of("model.path=models/small")).model();
        ModelConfig byPreset = ConfigLoader.fromOverrides(List.of("model.preset=tiny", "model.seed=7")).model();

        assertSame(byPath, byPath.requireSource());
        assertSame(byPreset, byPreset.requireSource());
        assertEquals(7L, byPreset.seed());
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("config.yaml"), yaml);
    }
}
