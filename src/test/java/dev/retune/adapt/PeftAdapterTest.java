package dev.retune.adapt;

import static dev.retune.adapt.TinyModel.DECODER_TARGETS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.retune.config.LoraSection;
import dev.retune.model.ModelException;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.Safetensors;
import dev.retune.model.SafetensorsWriter;
import dev.retune.model.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** PEFT's adapter files: names, config fields, round trip, and the errors of a mismatched file. */
class PeftAdapterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final LoraSection CONFIG = new LoraSection(4, 16.0, 0.05, ".", null, true, LoraSection.KAIMING);

    @TempDir
    Path dir;

    /** A tiny model (seed 1) with random adapters on every Linear, written to {@code dir}. */
    private Lora trainedAdapter(MusicgenForConditionalGeneration model, LoraSection config) {
        Lora lora = Lora.apply(model, config);
        TinyModel.randomize(lora, 21, 0.1);
        PeftAdapter.write(dir, lora, config, "facebook/musicgen-small");
        return lora;
    }

    @Test
    void roundTripGivesIdenticalLogits() {
        MusicgenForConditionalGeneration trained = TinyModel.create(1);
        Lora lora = trainedAdapter(trained, CONFIG);
        Tensor ids = TinyModel.ids(31);
        Tensor expected = TinyModel.logits(trained, ids);

        MusicgenForConditionalGeneration fresh = TinyModel.create(1);
        Lora loaded = PeftAdapter.applyTo(fresh, dir);

        assertTrue(torch.equal(expected, TinyModel.logits(fresh, ids)), "logits after write → applyTo");
        assertEquals(lora.trainable().keySet(), loaded.trainable().keySet());
        assertEquals(lora.trainableParameters(), loaded.trainableParameters());
        assertEquals(CONFIG.scale(), loaded.layers().get(0).scale(), 0.0);
        assertTrue(loaded.trainable().values().stream().allMatch(Tensor::requires_grad), "a loaded adapter can train on");
        assertFalse(fresh.decoder.lm_heads.get(0).weight.requires_grad(), "the base is frozen");
    }

    @Test
    void readGivesTheConfigAndTheWeights() {
        Lora lora = trainedAdapter(TinyModel.create(1), CONFIG);

        PeftAdapter.LoadedAdapter loaded = PeftAdapter.read(dir);

        assertEquals("facebook/musicgen-small", loaded.baseModelNameOrPath());
        assertEquals(CONFIG.r(), loaded.config().r());
        assertEquals(CONFIG.alpha(), loaded.config().alpha(), 0.0);
        assertEquals(CONFIG.dropout(), loaded.config().dropout(), 0.0);
        assertEquals(CONFIG.useRslora(), loaded.config().useRslora());
        assertEquals(lora.trainable().keySet(), loaded.weights().keySet());
        lora.trainable().forEach((name, t) -> assertTrue(torch.equal(t, loaded.weights().get(name)), name));
    }

    @Test
    void fileNamesShapesAndConfigFieldsAreThoseOfPeft() throws IOException {
        trainedAdapter(TinyModel.create(1), CONFIG);

        // enc_to_dec_proj is a top-level Linear: its keys have nothing between the module and ".lora_A".
        Pattern key = Pattern.compile("^base_model\\.model\\.(decoder|text_encoder|enc_to_dec_proj)(\\..*)?\\.lora_[AB]\\.weight$");
        try (Safetensors file = Safetensors.open(dir.resolve("adapter_model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), file.metadata());
            assertEquals(37 * 2, file.names().size());
            for (String name : file.names()) {
                assertTrue(key.matcher(name).matches(), name);
            }
            assertArrayEquals(new long[] {4, 64}, file.info("base_model.model.decoder.model.decoder.layers.0.fc1.lora_A.weight").shape());
            assertArrayEquals(new long[] {256, 4}, file.info("base_model.model.decoder.model.decoder.layers.0.fc1.lora_B.weight").shape());
            assertArrayEquals(new long[] {4, 32}, file.info("base_model.model.enc_to_dec_proj.lora_A.weight").shape());
            assertArrayEquals(new long[] {64, 4}, file.info("base_model.model.enc_to_dec_proj.lora_B.weight").shape());
            assertArrayEquals(new long[] {4, 32}, file.info("base_model.model.text_encoder.encoder.block.1.layer.0.SelfAttention.q.lora_A.weight").shape());
        }

        JsonNode config = JSON.readTree(Files.readString(dir.resolve("adapter_config.json")));
        assertEquals("LORA", config.get("peft_type").stringValue());
        assertTrue(config.get("task_type").isNull());
        assertEquals(4, config.get("r").intValue());
        assertTrue(config.get("lora_alpha").isIntegralNumber());
        assertEquals(16, config.get("lora_alpha").intValue());
        assertEquals(0.05, config.get("lora_dropout").doubleValue(), 0.0);
        assertTrue(config.get("target_modules").isArray());
        assertEquals(37, config.get("target_modules").size());
        List<String> targets = new ArrayList<>();
        config.get("target_modules").forEach(node -> targets.add(node.stringValue()));
        assertTrue(targets.contains("decoder.model.decoder.layers.0.self_attn.q_proj") && targets.contains("enc_to_dec_proj"), targets.toString());
        assertEquals("none", config.get("bias").stringValue());
        assertFalse(config.get("fan_in_fan_out").booleanValue());
        assertTrue(config.get("use_rslora").booleanValue());
        assertEquals("facebook/musicgen-small", config.get("base_model_name_or_path").stringValue());
        assertTrue(config.get("modules_to_save").isNull());
        assertTrue(config.get("init_lora_weights").booleanValue());
        assertTrue(config.get("inference_mode").booleanValue());
        assertTrue(Files.list(dir).noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary files left");
    }

    @Test
    void layerRestrictionTravelsAsTheExactModuleList() {
        LoraSection config = new LoraSection(2, 4.0, 0.0, DECODER_TARGETS, List.of(1), false, LoraSection.GAUSSIAN);
        MusicgenForConditionalGeneration trained = TinyModel.create(2);
        Lora lora = trainedAdapter(trained, config);
        Tensor ids = TinyModel.ids(32);

        Lora loaded = PeftAdapter.applyTo(TinyModel.create(2), dir);

        assertEquals(lora.layers().stream().map(LoraLayer::path).toList(), loaded.layers().stream().map(LoraLayer::path).toList());
        assertEquals(10, loaded.layers().size());
        assertEquals("gaussian", PeftAdapter.read(dir).config().init());
        MusicgenForConditionalGeneration check = TinyModel.create(2);
        PeftAdapter.applyTo(check, dir);
        assertTrue(torch.equal(TinyModel.logits(trained, ids), TinyModel.logits(check, ids)));
    }

    @Test
    void aPeftRegexStringMustMatchTheWholePath() throws IOException {
        trainedAdapter(TinyModel.create(3), new LoraSection(4, 8.0, 0.0, "self_attn\\.q_proj", null, false, LoraSection.KAIMING));
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(dir.resolve("adapter_config.json")));

        // As PEFT would: re.fullmatch, so the suffix alone matches nothing...
        config.put("target_modules", "self_attn\\.q_proj");
        Files.writeString(dir.resolve("adapter_config.json"), JSON.writeValueAsString(config));
        ModelException e = assertThrows(ModelException.class, () -> PeftAdapter.applyTo(TinyModel.create(3), dir));
        assertTrue(e.getMessage().contains("adapter_config.json") && e.getMessage().contains("matches no Linear"), e.getMessage());

        // ...and a pattern for the whole path selects exactly the saved layers.
        config.put("target_modules", ".*\\.self_attn\\.q_proj");
        Files.writeString(dir.resolve("adapter_config.json"), JSON.writeValueAsString(config));
        assertEquals(2, PeftAdapter.applyTo(TinyModel.create(3), dir).layers().size());
    }

    @Test
    void aKeyWithoutAMatchingLinearIsAnErrorNamingIt() {
        trainedAdapter(TinyModel.create(4), new LoraSection(4, 8.0, 0.0, "fc1", null, false, LoraSection.KAIMING));
        Map<String, Tensor> tensors = fileTensors();
        tensors.put("base_model.model.decoder.model.decoder.layers.7.fc1.lora_A.weight", torch.zeros(4, 64));
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
        MusicgenForConditionalGeneration model = TinyModel.create(4);

        ModelException e = assertThrows(ModelException.class, () -> PeftAdapter.applyTo(model, dir));

        assertTrue(e.getMessage().contains("base_model.model.decoder.model.decoder.layers.7.fc1.lora_A.weight matches no adapted Linear"), e.getMessage());
        assertFalse(StateDict.of(model).keySet().stream().anyMatch(n -> n.contains("lora_")), "the model is left untouched");
        assertTrue(model.decoder.lm_heads.get(0).weight.requires_grad(), "the model is left untouched");
    }

    @Test
    void aWrongShapeOrAMissingKeyIsAnErrorNamingIt() {
        trainedAdapter(TinyModel.create(5), new LoraSection(4, 8.0, 0.0, "fc1", null, false, LoraSection.KAIMING));
        Map<String, Tensor> tensors = fileTensors();
        tensors.put("base_model.model.decoder.model.decoder.layers.0.fc1.lora_B.weight", torch.zeros(256, 8));
        tensors.remove("base_model.model.decoder.model.decoder.layers.1.fc1.lora_A.weight");
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));

        ModelException e = assertThrows(ModelException.class, () -> PeftAdapter.applyTo(TinyModel.create(5), dir));

        assertTrue(e.getMessage().contains("base_model.model.decoder.model.decoder.layers.0.fc1.lora_B.weight: expected shape [256, 4], found [256, 8]"), e.getMessage());
        assertTrue(e.getMessage().contains("missing 1 key(s): base_model.model.decoder.model.decoder.layers.1.fc1.lora_A.weight"), e.getMessage());
    }

    @Test
    void aKeyThatIsNotLoraIsRejected() {
        trainedAdapter(TinyModel.create(6), new LoraSection(4, 8.0, 0.0, "fc1", null, false, LoraSection.KAIMING));
        Map<String, Tensor> tensors = fileTensors();
        tensors.put("base_model.model.decoder.lm_heads.0.weight", torch.zeros(256, 64));
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));

        ModelException e = assertThrows(ModelException.class, () -> PeftAdapter.read(dir));

        assertTrue(e.getMessage().contains("unexpected key base_model.model.decoder.lm_heads.0.weight"), e.getMessage());
    }

    /** LoRA settings are checked once, by the config section; a PEFT file's errors still name the file's own keys. */
    @Test
    void outOfRangePeftValuesAreErrorsInTheFilesTerms() throws IOException {
        trainedAdapter(TinyModel.create(8), new LoraSection(4, 8.0, 0.0, "fc1", null, false, LoraSection.KAIMING));
        String original = Files.readString(dir.resolve("adapter_config.json"));
        Map<String, Object> changes = new LinkedHashMap<>();
        changes.put("lora_alpha", 0);
        changes.put("lora_dropout", 1.0);
        changes.put("layers_to_transform", List.of(-1));
        Map<String, String> expected = Map.of(
                "lora_alpha", "lora_alpha must be greater than 0, found 0",
                "lora_dropout", "lora_dropout must be within [0, 1), found 1",
                "layers_to_transform", "layers_to_transform must be decoder layer indices >= 0, found -1");
        for (Map.Entry<String, Object> change : changes.entrySet()) {
            ObjectNode config = (ObjectNode) JSON.readTree(original);
            config.set(change.getKey(), JSON.valueToTree(change.getValue()));
            Files.writeString(dir.resolve("adapter_config.json"), JSON.writeValueAsString(config));

            ModelException e = assertThrows(ModelException.class, () -> PeftAdapter.read(dir), change.getKey());

            assertEquals(dir.resolve("adapter_config.json") + ": " + expected.get(change.getKey()), e.getMessage());
        }
    }

    @Test
    void unsupportedPeftSettingsAreRejectedNamingTheKey() throws IOException {
        trainedAdapter(TinyModel.create(7), new LoraSection(4, 8.0, 0.0, "fc1", null, false, LoraSection.KAIMING));
        String original = Files.readString(dir.resolve("adapter_config.json"));
        Map<String, Object> changes = new LinkedHashMap<>();
        changes.put("use_dora", true);
        changes.put("fan_in_fan_out", true);
        changes.put("bias", "all");
        changes.put("init_lora_weights", "pissa");
        changes.put("modules_to_save", List.of("lm_heads"));
        changes.put("peft_type", "IA3");
        changes.put("r", 0);
        for (Map.Entry<String, Object> change : changes.entrySet()) {
            ObjectNode config = (ObjectNode) JSON.readTree(original);
            config.set(change.getKey(), JSON.valueToTree(change.getValue()));
            Files.writeString(dir.resolve("adapter_config.json"), JSON.writeValueAsString(config));

            ModelException e = assertThrows(ModelException.class, () -> PeftAdapter.read(dir), change.getKey());

            String expected = change.getKey().equals("r") ? "r must be at least 1" : change.getKey();
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }

    @Test
    void aFolderWithoutAdapterIsAClearError() {
        ModelException e = assertThrows(ModelException.class, () -> PeftAdapter.read(dir));

        assertTrue(e.getMessage().contains("adapter_config.json is missing"), e.getMessage());
    }

    private Map<String, Tensor> fileTensors() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Safetensors file = Safetensors.open(dir.resolve("adapter_model.safetensors"))) {
            file.names().forEach(name -> tensors.put(name, file.tensor(name)));
        }
        return tensors;
    }
}
