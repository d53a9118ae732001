package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming codec equals the whole-length passes: the encoder's embeddings within 1e-4 and its codes identical
 * (a mismatch could only come from an RVQ near-tie: the test counts them and allows none on these inputs), the
 * decoder's audio within 1e-4. On the tiny preset's random codec and on the transformers-made fixture's codec, for
 * chunks from one frame (shorter than the convolutions' reach: every window is cut on both sides) to longer than the
 * audio, pushed in blocks that do not line up with frames, for audio shorter than one frame, and for a batch of two.
 */
class StreamingCodecTest {

    private static final double TOLERANCE = 1e-4;
    private static final Map<String, EncodecModel> CODECS = new LinkedHashMap<>();

    @BeforeAll
    static void codecs() {
        torch.manual_seed(11);
        CODECS.put("tiny", EncodecModel.create(MusicgenConfig.preset("tiny").audioEncoder()));
        EncodecModel fixture = EncodecModel.create(EncodecConfig.fromHfConfig(Fixtures.tinyRef().resolve("config.json")));
        Map<String, Tensor> weights = new LinkedHashMap<>();
        try (Safetensors file = Safetensors.open(Fixtures.tinyRef().resolve("model.safetensors"))) {
            for (String name : file.names()) {
                if (name.startsWith("audio_encoder.")) {
                    weights.put(name.substring("audio_encoder.".length()), file.tensor(name, ScalarType.Float));
                }
            }
        }
        StateDict.load(fixture, WeightNorm.fold(weights), "");
        CODECS.put("fixture", fixture);
    }

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String codec : CODECS.keySet()) {
            // codec, batch, samples, chunk frames, push block samples
            cases.add(Arguments.of(codec, 1, 73_421, 1, 5_003));     // 115 frames, a chunk per frame: LSTM state carried 114 times
            cases.add(Arguments.of(codec, 1, 73_421, 7, 32_000));
            cases.add(Arguments.of(codec, 2, 96_000, 25, 12_345));   // a batch, and a length of whole frames
            cases.add(Arguments.of(codec, 1, 64_001, 40, 64_001));   // one push, one sample past a frame
            cases.add(Arguments.of(codec, 1, 30_000, 500, 977));     // shorter than one chunk
            cases.add(Arguments.of(codec, 1, 500, 3, 100));          // shorter than one frame
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} codec, batch {1}, {2} samples, chunks of {3} frames, pushed {4} at a time")
    @MethodSource("cases")
    void streamingEncodeEqualsTheWholeFilePass(String name, int batch, int samples, int chunkFrames, int block) {
        EncodecModel codec = CODECS.get(name);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor audio = music(batch, samples); // [B, 1, N]
            Tensor whole = codec.embed(audio); // [B, D, T]

            List<Tensor> parts = new ArrayList<>();
            try (StreamingEncoder stream = new StreamingEncoder(codec, chunkFrames)) {
                for (long start = 0; start < samples; start += block) {
                    parts.add(stream.push(audio.narrow(2, start, Math.min(block, samples - start))));
                }
                parts.add(stream.finish());
            }
            Tensor streamed = torch.cat(new TensorVector(parts.toArray(Tensor[]::new)), 2);

            assertArrayEquals(Shapes.of(whole), Shapes.of(streamed));
            double difference = streamed.sub(whole).abs().max().item_double();
            assertTrue(difference < TOLERANCE, "largest difference of the embeddings: " + difference);
            long nearTies = codec.quantize(streamed).ne(codec.quantize(whole)).sum().item_long();
            assertEquals(0, nearTies, "codes that differ (RVQ near-ties) of " + codec.quantize(whole).numel());
        }
    }

    @ParameterizedTest(name = "{0} codec, batch {1}, {2} samples' frames, chunks of {3} frames")
    @MethodSource("cases")
    void streamingDecodeEqualsTheWholeLengthPass(String name, int batch, int samples, int chunkFrames, int block) {
        EncodecModel codec = CODECS.get(name);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            long frames = Math.floorDiv(samples + 639, 640);
            Tensor codes = torch.randint(codec.config().codebookSize(), new long[] {batch, 4, frames},
                    new org.bytedeco.pytorch.TensorOptions(ScalarType.Long)); // [B, K, T]
            Tensor whole = codec.decode(codes); // [B, 1, T·hop]
            long codesPerPush = Math.max(1, block / 640);

            List<Tensor> parts = new ArrayList<>();
            try (StreamingDecoder stream = new StreamingDecoder(codec, chunkFrames)) {
                for (long start = 0; start < frames; start += codesPerPush) {
                    parts.add(stream.push(codes.narrow(2, start, Math.min(codesPerPush, frames - start))));
                }
                parts.add(stream.finish());
            }
            Tensor streamed = torch.cat(new TensorVector(parts.toArray(Tensor[]::new)), 2);

            assertArrayEquals(Shapes.of(whole), Shapes.of(streamed));
            double difference = streamed.sub(whole).abs().max().item_double();
            assertTrue(difference < TOLERANCE, "largest difference of the audio: " + difference);
        }
    }

    /** A chord, a glide and noise: [B, 1, n], amplitude below 1, different per batch row. */
    static Tensor music(int batch, int samples) {
        Tensor t = torch.arange(new Scalar(samples)).to(ScalarType.Float).div(new Scalar(32_000.0)).unsqueeze(0); // [1, n]
        List<Tensor> rows = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            Tensor tone = torch.sin(t.mul(new Scalar(2 * Math.PI * (220 + 37 * b)))).mul(new Scalar(0.3))
                    .add(torch.sin(t.mul(t).mul(new Scalar(2 * Math.PI * 400))).mul(new Scalar(0.2)))
                    .add(torch.randn(1, samples).mul(new Scalar(0.05))); // [1, n]
            rows.add(tone.unsqueeze(0)); // [1, 1, n]
        }
        return torch.cat(new TensorVector(rows.toArray(Tensor[]::new)), 0); // [B, 1, n]
    }
}
