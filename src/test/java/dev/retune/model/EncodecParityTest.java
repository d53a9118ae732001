package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The codec against the musicgen-tiny-ref fixture (a random tiny MusicGen whose outputs were computed by transformers):
 * encoder embeddings, RVQ codes (exactly), quantized embeddings and decoded audio; plus frame counts and the config.
 */
class EncodecParityTest {

    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/musicgen-tiny-ref");
    private static final double TOLERANCE = 1e-4;

    private static EncodecConfig config;
    private static EncodecModel codec;
    private static List<String> unusedKeys;
    private static final Map<String, Tensor> REFERENCE = new LinkedHashMap<>();

    @BeforeAll
    static void loadFixture() {
        config = EncodecConfig.fromHfConfig(FIXTURE.resolve("config.json"));
        codec = EncodecModel.create(config);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        try (Safetensors file = Safetensors.open(FIXTURE.resolve("model.safetensors"))) {
            for (String name : file.names()) {
                if (name.startsWith("audio_encoder.")) {
                    weights.put(name.substring("audio_encoder.".length()), file.tensor(name, ScalarType.Float));
                }
            }
        }
        unusedKeys = StateDict.load(codec, WeightNorm.fold(weights), "");
        try (Safetensors file = Safetensors.open(FIXTURE.resolve("reference.safetensors"))) {
            REFERENCE.put("audio_input", file.tensor("audio_input", ScalarType.Float));
            REFERENCE.put("audio_encoder_embeddings", file.tensor("audio_encoder_embeddings", ScalarType.Float));
            REFERENCE.put("audio_codes", file.tensor("audio_codes", ScalarType.Long));
            REFERENCE.put("audio_quantized_embeddings", file.tensor("audio_quantized_embeddings", ScalarType.Float));
            REFERENCE.put("audio_decoded", file.tensor("audio_decoded", ScalarType.Float));
        }
    }

    @Test
    void configOfTheFixture() {
        assertEquals(32000, config.samplingRate());
        assertEquals(640, config.hopLength());
        assertEquals(50, config.frameRate());
        assertEquals(4, config.numQuantizers());
        assertEquals(4, config.quantizersForBandwidth(2.2));
        assertEquals(16, config.codebookDim());
        assertEquals(false, config.useConvShortcut());
        assertEquals(128, config.innerChannels());
    }

    @Test
    void onlyTheRvqTrainingStateIsUnused() {
        assertEquals(12, unusedKeys.size(), "unused: " + unusedKeys);
        for (String key : unusedKeys) {
            assertTrue(key.matches("quantizer\\.layers\\.[0-3]\\.codebook\\.(inited|cluster_size|embed_avg)"),
                    "unexpected unused key " + key);
        }
    }

    @Test
    void registersHuggingFaceNames() {
        Map<String, Tensor> state = StateDict.of(codec);
        assertArrayEquals(new long[] {8, 1, 7}, Shapes.of(state.get("encoder.layers.0.conv.weight")));
        assertArrayEquals(new long[] {8}, Shapes.of(state.get("encoder.layers.0.conv.bias")));
        assertArrayEquals(new long[] {4, 8, 3}, Shapes.of(state.get("encoder.layers.1.block.1.conv.weight")));
        assertArrayEquals(new long[] {512, 128}, Shapes.of(state.get("encoder.layers.13.lstm.weight_ih_l0")));
        assertArrayEquals(new long[] {128, 64, 16}, Shapes.of(state.get("decoder.layers.3.conv.weight")));
        assertArrayEquals(new long[] {1, 8, 7}, Shapes.of(state.get("decoder.layers.15.conv.weight")));
        assertArrayEquals(new long[] {256, 16}, Shapes.of(state.get("quantizer.layers.3.codebook.embed")));
        // 16 conv weight+bias pairs per stack (incl. 4 residual blocks of 2), 8 LSTM tensors per stack, 4 codebooks
        assertEquals(2 * (2 * (6 + 4 * 2) + 8) + 4, state.size(), "names: " + state.keySet());
    }

    @Test
    void encoderEmbeddingsMatchTransformers() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor embeddings = codec.embed(REFERENCE.get("audio_input")); // [B, D, T]
            assertClose("audio_encoder_embeddings", REFERENCE.get("audio_encoder_embeddings"), embeddings);
        }
    }

    @Test
    void codesMatchTransformersExactly() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor codes = codec.encode(REFERENCE.get("audio_input")); // [B, K, T]
            Tensor expected = REFERENCE.get("audio_codes");
            assertEquals(ScalarType.Long, codes.scalar_type().intern()); // native enums: intern() for identity
            assertArrayEquals(Shapes.of(expected), Shapes.of(codes));
            long mismatches = codes.ne(expected).sum().item_long();
            assertEquals(0, mismatches, "audio_codes: " + mismatches + " of " + expected.numel() + " codes differ");
        }
    }

    @Test
    void quantizedEmbeddingsMatchTransformers() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor quantized = codec.quantizer().decode(REFERENCE.get("audio_codes")); // [B, D, T]
            assertClose("audio_quantized_embeddings", REFERENCE.get("audio_quantized_embeddings"), quantized);
        }
    }

    @Test
    void decodedAudioMatchesTransformers() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor audio = codec.decode(REFERENCE.get("audio_codes")); // [B, C, N]
            assertClose("audio_decoded", REFERENCE.get("audio_decoded"), audio);
        }
    }

    @Test
    void framesAreSamplesOverHopRoundedUp() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            torch.manual_seed(7);
            for (long samples : new long[] {640, 1920, 32000, 1921, 2559, 2561, 100, 1}) {
                Tensor audio = torch.randn(2, 1, samples).mul(new org.bytedeco.pytorch.Scalar(0.1)); // [B, C, N]
                long frames = (samples + 639) / 640;
                Tensor codes = codec.encode(audio); // [B, K, T]
                assertArrayEquals(new long[] {2, 4, frames}, Shapes.of(codes), "codes for N = " + samples);
                Tensor decoded = codec.decode(codes); // [B, C, T·640]
                assertArrayEquals(new long[] {2, 1, frames * 640}, Shapes.of(decoded), "audio for N = " + samples);
            }
        }
    }

    @Test
    void reflectPaddingZeroExtendsInputsShorterThanThePad() {
        try (PointerScope scope = new PointerScope()) {
            EncodecConv1d conv = new EncodecConv1d(config, 1, 1, 7); // P = 6: left 3, right 3
            Tensor x = torch.arange(new org.bytedeco.pytorch.Scalar(1), new org.bytedeco.pytorch.Scalar(3))
                    .to(ScalarType.Float).view(1, 1, 2); // [1, 1, 2] = a b
            float[] padded = values(conv.pad(x));
            // zero-extend to a b 0 0, reflect 3 each side, cut the 2 extension samples off the end
            assertArrayEquals(new float[] {0, 0, 2, 1, 2, 0, 0, 0}, padded);
            // k 8, stride 4: P = 4 (2 left, 2 right) + 3 extra on the right; N = 5 <= 5 zero-extends one sample
            EncodecConv1d strided = new EncodecConv1d(config, 1, 1, 8, 4, 1);
            Tensor y = torch.arange(new org.bytedeco.pytorch.Scalar(1), new org.bytedeco.pytorch.Scalar(6))
                    .to(ScalarType.Float).view(1, 1, 5); // [1, 1, 5] = 1..5
            assertArrayEquals(new float[] {3, 2, 1, 2, 3, 4, 5, 0, 5, 4, 3, 2}, values(strided.pad(y)));
        }
    }

    @Test
    void musicgenPresetIsTheEncodec32khzCodec() {
        EncodecConfig preset = EncodecConfig.musicgen32khz();
        assertEquals(50, preset.frameRate());
        assertEquals(640, preset.hopLength());
        assertEquals(4, preset.numQuantizers());
        assertEquals(4, preset.quantizersForBandwidth(2.2));
        assertEquals(1024, preset.innerChannels());
        assertEquals(128, preset.codebookDim());
        assertEquals(false, preset.useConvShortcut());
    }

    @Test
    void unsupportedSettingsFailNamingTheKey() {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode causal = json.createObjectNode(); // use_causal_conv missing: transformers' default is true
        ModelException e = assertThrows(ModelException.class, () -> EncodecConfig.bind(causal, "test"));
        assertTrue(e.getMessage().contains("use_causal_conv"), e.getMessage());

        ObjectNode normalized = json.createObjectNode().put("use_causal_conv", false).put("normalize", true);
        e = assertThrows(ModelException.class, () -> EncodecConfig.bind(normalized, "test"));
        assertTrue(e.getMessage().contains("normalize"), e.getMessage());

        ObjectNode chunked = json.createObjectNode().put("use_causal_conv", false).put("chunk_length_s", 1.0);
        e = assertThrows(ModelException.class, () -> EncodecConfig.bind(chunked, "test"));
        assertTrue(e.getMessage().contains("chunk_length_s"), e.getMessage());

        ObjectNode unknown = json.createObjectNode().put("use_causal_conv", false).put("some_future_key", 3);
        assertEquals(true, EncodecConfig.bind(unknown, "test").useConvShortcut(), "HF default of use_conv_shortcut");
    }

    private static void assertClose(String name, Tensor expected, Tensor actual) {
        assertArrayEquals(Shapes.of(expected), Shapes.of(actual), name + " shape");
        double maxError = actual.sub(expected).abs().amax().item_float();
        assertTrue(maxError <= TOLERANCE, name + ": max abs error " + maxError + " > " + TOLERANCE);
        System.out.printf("%s: max abs error %.3g%n", name, maxError);
    }

    private static float[] values(Tensor t) {
        Tensor contiguous = t.contiguous();
        float[] out = new float[(int) contiguous.numel()];
        contiguous.data_ptr_float().get(out);
        return out;
    }
}
