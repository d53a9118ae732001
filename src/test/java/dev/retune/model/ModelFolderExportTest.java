package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@link ModelFolder#export}: the weights' dtype said in config.json, and every file transformers needs beside them. */
class ModelFolderExportTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    @TempDir
    Path dir;

    private MusicgenForConditionalGeneration tiny() {
        torch.manual_seed(1);
        return new MusicgenForConditionalGeneration(MusicgenConfig.preset("tiny"));
    }

    private Path base(MusicgenForConditionalGeneration model) {
        Path base = dir.resolve("base");
        ModelFolder.save(model, base, ScalarType.Float, null);
        return base;
    }

    private static JsonNode json(Path file) throws Exception {
        return JSON.readTree(Files.readString(file));
    }

    @Test
    void configJsonSaysTheDtypeTheWeightsAreStoredIn() throws Exception {
        MusicgenForConditionalGeneration model = tiny();
        Path base = base(model);
        Map<ScalarType, List<String>> names = Map.of(ScalarType.BFloat16, List.of("bfloat16", "BF16"),
                ScalarType.Half, List.of("float16", "F16"), ScalarType.Float, List.of("float32", "F32"));
        for (Map.Entry<ScalarType, List<String>> dtype : names.entrySet()) {
            Path out = dir.resolve(dtype.getValue().get(0));

            ModelFolder.export(model, out, dtype.getKey(), base, 50);

            assertEquals(dtype.getValue().get(0), json(out.resolve("config.json")).get("torch_dtype").asString());
            try (Safetensors weights = Safetensors.open(out.resolve("model.safetensors"))) {
                assertEquals(dtype.getValue().get(1), weights.info("decoder.lm_heads.0.weight").dtype().name());
            }
        }
    }

    @Test
    void theBasesTokenizerProcessorAndGenerationFilesAreCopiedAsTheyAre() throws Exception {
        MusicgenForConditionalGeneration model = tiny();
        Path base = base(model);
        Map<String, byte[]> files = Map.of(
                "tokenizer.json", "{\"version\": \"1.0\"}".getBytes(),
                "tokenizer_config.json", "{\"model_max_length\": 512}".getBytes(),
                "special_tokens_map.json", "{\"eos_token\": \"</s>\"}".getBytes(),
                "spiece.model", new byte[] {0, 1, 2, (byte) 0xff, 10, 13},
                "preprocessor_config.json", "{\"sampling_rate\": 32000}".getBytes(),
                "generation_config.json", "{\"max_length\": 1500, \"top_k\": 100}".getBytes());
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Files.write(base.resolve(file.getKey()), file.getValue());
        }
        Path out = dir.resolve("out");

        ModelFolder.export(model, out, ScalarType.Float, base, 50);

        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            assertArrayEquals(file.getValue(), Files.readAllBytes(out.resolve(file.getKey())), file.getKey());
        }
    }

    @Test
    void withoutAGenerationConfigInTheBaseOneWithMusicgensSamplingDefaultsIsWritten() throws Exception {
        MusicgenForConditionalGeneration model = tiny();
        Path base = base(model);
        Path out = dir.resolve("out");

        ModelFolder.export(model, out, ScalarType.Float, base, 50);

        JsonNode generation = json(out.resolve("generation_config.json"));
        assertTrue(generation.get("do_sample").asBoolean());
        assertEquals(250, generation.get("top_k").asInt());
        assertEquals(3.0, generation.get("guidance_scale").asDouble(), 0.0);
        assertEquals(50, generation.get("max_length").asInt());
        // The tiny decoder's 256 codes, so its special (pad / BOS / start) token is 256, as 2048 is for the released models.
        for (String key : List.of("decoder_start_token_id", "pad_token_id", "bos_token_id")) {
            assertEquals(256, generation.get(key).asInt(), key);
        }
        assertFalse(Files.exists(out.resolve("spiece.model")), "only what the base has is copied");
        assertFalse(Files.exists(out.resolve("tokenizer.json")));
    }

    @Test
    void aModelsNameIsTheRepositoryItWasLoadedFromElseItsFolderName() throws Exception {
        Path base = base(tiny());
        assertEquals("base", ModelFolder.name(base));

        for (String recorded : List.of("facebook/musicgen-small", "musicgen-small")) {
            ObjectNode config = (ObjectNode) json(base.resolve("config.json"));
            config.put("_name_or_path", recorded);
            Files.writeString(base.resolve("config.json"), JSON.writeValueAsString(config));
            assertEquals(recorded, ModelFolder.name(base));
        }

        ObjectNode config = (ObjectNode) json(base.resolve("config.json"));
        config.put("_name_or_path", "/home/someone/models/musicgen-small");
        Files.writeString(base.resolve("config.json"), JSON.writeValueAsString(config));
        assertEquals("base", ModelFolder.name(base), "a local path is not a name");
    }
}
