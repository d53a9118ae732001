package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** config.json is validated key by key, with the file and key path in every message, before a model exists. */
class MusicgenConfigTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @Test
    void theFixtureAndEveryPresetAreAccepted() {
        MusicgenConfig fixture = MusicgenConfig.read(Fixtures.tinyRef().resolve("config.json"));

        assertEquals(2, fixture.decoder().numHiddenLayers());
        assertEquals(99, fixture.textEncoder().vocabSize());
        for (String preset : MusicgenConfig.PRESETS) {
            assertEquals(4, MusicgenConfig.preset(preset).decoder().numCodebooks(), preset);
        }
    }

    @Test
    void theLargestReleasedSizesAreWithinTheBounds() {
        MusicgenConfig large = MusicgenConfig.preset("large");
        assertEquals(48, large.decoder().numHiddenLayers());
        assertEquals(2048, large.decoder().hiddenSize());
        // Stereo MusicGen predicts 8 codebooks; t5-11b has d_ff 65,536 and 128 heads; mT5 has 250,112 tokens.
        assertEquals(8, new DecoderConfig(2048, 2048, 48, 8192, 32, 2048, 8, 1, 0.1, 0.0, 0.0, "gelu", false, 2048, 2048).numCodebooks());
        assertEquals(65_536, new T5Config(250_112, 4096, 128, 65_536, 24, 128, 32, 128, 0.1, 1e-6, "relu", 0, 1).dFf());
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("decoder", "num_hidden_layers", "-1", "decoder.num_hidden_layers must be between 1 and 128, found -1"),
                Arguments.of("decoder", "num_hidden_layers", "1000000000", "decoder.num_hidden_layers must be between 1 and 128, found 1000000000"),
                Arguments.of("decoder", "num_hidden_layers", "1e9", "decoder.num_hidden_layers must be an integer written with digits only, found 1.0E9"),
                Arguments.of("decoder", "num_hidden_layers", "2.5", "decoder.num_hidden_layers must be an integer written with digits only, found 2.5"),
                Arguments.of("decoder", "num_hidden_layers", "\"2\"", "decoder.num_hidden_layers must be an integer, found \"2\""),
                Arguments.of("decoder", "num_hidden_layers", "99999999999", "decoder.num_hidden_layers is out of range, found 99999999999"),
                Arguments.of("decoder", "num_hidden_layers", null, "decoder.num_hidden_layers is missing"),
                Arguments.of("decoder", "num_codebooks", "0", "decoder.num_codebooks must be between 1 and 16, found 0"),
                Arguments.of("decoder", "num_codebooks", "2", "decoder.num_codebooks 2 must equal the 4 codebooks the codec encodes"),
                Arguments.of("decoder", "max_position_embeddings", "0", "decoder.max_position_embeddings must be between 5 and 16384, found 0"),
                Arguments.of("decoder", "vocab_size", "-5", "decoder.vocab_size must be between 1 and 16384, found -5"),
                Arguments.of("decoder", "vocab_size", "300", "decoder.vocab_size 300 must equal audio_encoder.codebook_size 256"),
                Arguments.of("decoder", "num_attention_heads", "0", "decoder.num_attention_heads must be between 1 and 128, found 0"),
                Arguments.of("decoder", "num_attention_heads", "3", "decoder.hidden_size 64 is not divisible by decoder.num_attention_heads 3"),
                Arguments.of("decoder", "hidden_size", "0", "decoder.hidden_size must be between 4 and 8192, found 0"),
                Arguments.of("decoder", "ffn_dim", "{\"a\": 1}", "decoder.ffn_dim must be an integer, found {\"a\":1}"),
                Arguments.of("decoder", "pad_token_id", "257", "decoder.pad_token_id must be between 0 and 256, found 257"),
                Arguments.of("decoder", "dropout", "1.5", "decoder.dropout must be within [0, 1), found 1.5"),
                Arguments.of("decoder", "scale_embedding", "1", "decoder.scale_embedding must be true or false, found 1"),
                Arguments.of("decoder", "model_type", "\"musicgen_melody_decoder\"", "decoder.model_type must be \"musicgen_decoder\""),
                Arguments.of("text_encoder", "num_layers", "-3", "text_encoder.num_layers must be between 1 and 128, found -3"),
                Arguments.of("text_encoder", "vocab_size", "0", "text_encoder.vocab_size must be between 1 and 262144, found 0"),
                Arguments.of("text_encoder", "d_model", null, "text_encoder.d_model is missing"),
                Arguments.of("text_encoder", "relative_attention_num_buckets", "2", "text_encoder.relative_attention_num_buckets must be between 4 and 1024, found 2"),
                Arguments.of("text_encoder", "relative_attention_max_distance", "8", "text_encoder.relative_attention_max_distance must be between 9 and 65536, found 8"),
                Arguments.of("text_encoder", "layer_norm_epsilon", "0", "text_encoder.layer_norm_epsilon must be within (0, 1), found 0.0"),
                Arguments.of("audio_encoder", "num_filters", "100000", "audio_encoder.num_filters must be between 1 and 512, found 100000"),
                Arguments.of("audio_encoder", "num_filters", "512", "audio_encoder.num_filters · 2^len(upsampling_ratios) must be between 1 and 4096, found 8192"),
                Arguments.of("audio_encoder", "upsampling_ratios", "[8, \"5\", 4, 4]", "audio_encoder.upsampling_ratios must be a list of integers, found [8,\"5\",4,4]"),
                Arguments.of("audio_encoder", "upsampling_ratios", "[32, 32, 32, 32]", "audio_encoder.upsampling_ratios [32, 32, 32, 32] make frames of 1048576 samples, longer than a second at audio_encoder.sampling_rate 32000"),
                Arguments.of("audio_encoder", "target_bandwidths", "[0.1]", "audio_encoder.target_bandwidths [0.1] give 0 quantizers at 50 frames/s"),
                Arguments.of("audio_encoder", "codebook_dim", "32", "audio_encoder.codebook_dim 32 must equal audio_encoder.hidden_size 16"),
                Arguments.of("audio_encoder", "compress", "16", "audio_encoder.compress 16 must be at most audio_encoder.num_filters 8"));
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("badValues")
    void aBadValueIsAnErrorNamingTheFileAndTheKeyPath(String section, String key, String json, String expected) throws IOException {
        Path file = fixtureWith(section, key, json);

        ModelException e = assertThrows(ModelException.class, () -> MusicgenConfig.read(file));

        assertTrue(e.getMessage().startsWith(file + ": " + expected), e.getMessage());
    }

    @Test
    void theSameErrorStopsAModelFolderLoadBeforeAnyWeightIsRead() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Files.copy(fixtureWith("decoder", "num_hidden_layers", "-1"), model.resolve("config.json"));
        Files.writeString(model.resolve("model.safetensors"), "not read: the config fails first");

        ModelException load = assertThrows(ModelException.class, () -> ModelFolder.load(model, ScalarType.Float, new Device("cpu")));
        ModelException inspect = assertThrows(ModelException.class, () -> ModelSummary.read(model));

        String expected = model.resolve("config.json") + ": decoder.num_hidden_layers must be between 1 and 128, found -1";
        assertEquals(List.of(expected, expected), List.of(load.getMessage(), inspect.getMessage()));
    }

    /** The fixture's config.json with {@code section.key} set to {@code json} (null: removed), in a fresh folder. */
    private Path fixtureWith(String section, String key, String json) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(Fixtures.tinyRef().resolve("config.json").toFile());
        ObjectNode object = (ObjectNode) root.get(section);
        if (json == null) {
            object.remove(key);
        } else {
            JsonNode value = JSON.readTree(json);
            object.set(key, value);
        }
        Path file = Files.createTempDirectory(dir, "config").resolve("config.json");
        Files.writeString(file, JSON.writeValueAsString(root).replace("1.0E9", "1e9"));
        return file;
    }
}
