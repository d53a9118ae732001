package dev.retune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A reference file that checks nothing fails; a bad reference input is one clear error naming the file and the tensor
 * (the fixture model: text vocabulary 99, decoder vocabulary 256 with special token 256, 4 codebooks, 256 positions).
 */
class ModelVerifierTest {

    private static ModelVerifier verifier;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        verifier = new ModelVerifier(ModelFolder.load(Fixtures.tinyRef(), ScalarType.Float, new Device("cpu")).model(), 1e-4);
    }

    @Test
    void aReferenceWithoutTensorsOrWithOnlyInputsFails() {
        ModelVerifier.Report empty = verify(Map.of());
        ModelVerifier.Report inputsOnly = verify(fixture("text_input_ids", "text_attention_mask"));

        assertEquals(List.of(), empty.checks());
        assertFalse(empty.passed(), "checking nothing is a failure");
        assertEquals(List.of(), inputsOnly.checks());
        assertFalse(inputsOnly.passed());
    }

    @Test
    void anOutputOfAnotherShapeFailsSayingBothShapes() {
        Map<String, Tensor> reference = fixture("text_input_ids", "text_attention_mask", "encoder_last_hidden_state");
        reference.put("encoder_last_hidden_state", reference.get("encoder_last_hidden_state").narrow(1, 0, 5));

        ModelVerifier.Report report = verify(reference);

        ModelVerifier.Check check = report.checks().get(0);
        assertFalse(check.passed());
        assertEquals("shape [2, 5, 32] in the reference, [2, 7, 32] computed", check.problem());
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                bad("text ids beyond the vocabulary", "text_input_ids", ids -> ids.fill_(new Scalar(5000)),
                        "text_input_ids must hold values between 0 and 98, found 5000 in a tensor of shape [2, 7]"),
                bad("negative decoder ids", "decoder_input_ids", ids -> ids.fill_(new Scalar(-3)),
                        "decoder_input_ids must hold values between 0 and 256, found -3"),
                bad("labels beyond the vocabulary", "labels", labels -> labels.fill_(new Scalar(300)),
                        "labels must hold values between 0 and 256 (or -100), found 300"),
                bad("fractional float ids", "text_input_ids", ids -> ids.to(ScalarType.Float).add_(new Scalar(0.5)),
                        "text_input_ids must be an integer tensor (I64, I32, I16, I8, U8), found F32"),
                bad("ids without a batch dimension", "text_input_ids", ids -> ids.select(0, 0).clone(),
                        "text_input_ids must have shape [B, L] with no empty dimension, found [7]"),
                bad("a text of 100,000 tokens", "text_input_ids", ids -> torch.ones(1, 100_000).to(ScalarType.Long),
                        "text_input_ids has 100000 tokens per row, more than 512"),
                bad("a mask of another shape", "text_attention_mask", mask -> mask.narrow(1, 0, 3).clone(),
                        "text_attention_mask must have the shape of text_input_ids [2, 7], found [2, 3]"),
                bad("decoder rows not a multiple of K", "decoder_input_ids", ids -> ids.narrow(0, 0, 7).clone(),
                        "decoder_input_ids has 7 rows, not a multiple of decoder.num_codebooks 4"),
                bad("codes beyond the codebook", "audio_codes", codes -> codes.fill_(new Scalar(256)),
                        "audio_codes must hold values between 0 and 255, found 256"),
                bad("stereo audio for a mono codec", "audio_input", audio -> torch.cat(new TensorVector(audio, audio), 1),
                        "audio_input must have 1 channel(s) (audio_encoder.audio_channels), found shape [2, 2, 16000]"),
                bad("a 64 TB delay pattern", "delay_max_length", length -> length.fill_(new Scalar(1L << 45)),
                        "delay_max_length must hold values between 1 and 256, found 35184372088832"),
                bad("an empty position table of 10^12 rows", "sinusoidal_positions", positions -> torch.zeros(1_000_000_000_000L, 0),
                        "sinusoidal_positions must have shape [P, D] with no empty dimension, found [1000000000000, 0]"),
                bad("a pattern narrower than its ids", "delay_pattern_mask", pattern -> pattern.narrow(1, 0, 4).clone(),
                        "delay_pattern_mask must have 8 rows and at least 10 columns to cover delay_apply_input_ids, found shape [8, 4]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void aBadInputIsOneErrorNamingTheFileAndTheTensor(String label, String name, Function<Tensor, Tensor> spoil, String expected) {
        Map<String, Tensor> reference = fixture(stageOf(name));
        reference.put(name, spoil.apply(reference.get(name)));
        Path file = write(reference);

        ModelException e = assertThrows(ModelException.class, () -> verify(file));

        assertTrue(e.getMessage().startsWith(file + ": reference tensor " + expected), e.getMessage());
    }

    private static Arguments bad(String label, String name, Function<Tensor, Tensor> spoil, String expected) {
        return Arguments.of(label, name, spoil, expected);
    }

    /** The fixture's tensors of the one stage that reads {@code name}: a spoiled input stops that stage. */
    private static String[] stageOf(String name) {
        return switch (name) {
            case "text_input_ids", "text_attention_mask" -> new String[] {"text_input_ids", "text_attention_mask", "encoder_last_hidden_state"};
            case "decoder_input_ids", "labels" -> new String[] {"text_input_ids", "text_attention_mask", "decoder_input_ids", "labels", "loss"};
            case "audio_codes" -> new String[] {"audio_codes", "audio_decoded"};
            case "audio_input" -> new String[] {"audio_input", "audio_codes"};
            case "delay_max_length" -> new String[] {"delay_input_ids", "delay_max_length", "delay_output_ids"};
            case "sinusoidal_positions" -> new String[] {"sinusoidal_positions"};
            case "delay_pattern_mask" -> new String[] {"delay_apply_input_ids", "delay_pattern_mask", "delay_apply_output_ids"};
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Map<String, Tensor> fixture(String... names) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Safetensors reference = Safetensors.open(Fixtures.tinyRef().resolve("reference.safetensors"))) {
            for (String name : names) {
                tensors.put(name, reference.tensor(name));
            }
        }
        return tensors;
    }

    private Path write(Map<String, Tensor> tensors) {
        Path file = dir.resolve("reference-" + System.nanoTime() + ".safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        return file;
    }

    private ModelVerifier.Report verify(Map<String, Tensor> tensors) {
        return verify(write(tensors));
    }

    private static ModelVerifier.Report verify(Path file) {
        try (Safetensors reference = Safetensors.open(file)) {
            return verifier.verify(reference);
        }
    }
}
