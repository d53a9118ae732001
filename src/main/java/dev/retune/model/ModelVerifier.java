package dev.retune.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Runs every computation whose inputs a reference file holds and compares every output it holds (names as in the
 * musicgen-tiny-ref fixture). Integer outputs (codes, labels, delay patterns) must match exactly, float outputs
 * within a tolerance. An output whose inputs are absent, or a tensor nobody knows, fails the verification: nothing in
 * the file goes unchecked.
 */
public final class ModelVerifier {

    /** One compared tensor. */
    public record Check(String tensor, String stage, boolean exact, double maxAbsError, boolean passed) {}

    /** Every comparison, and the reference tensors that could not be checked (with the reason). */
    public record Report(List<Check> checks, Map<String, String> unchecked) {
        public boolean passed() {
            return unchecked.isEmpty() && checks.stream().allMatch(Check::passed);
        }
    }

    /** A stage: the reference tensors it needs, those it produces, and how it produces them. */
    private record Stage(String name, List<String> inputs, List<String> outputs,
                         Function<Function<String, Tensor>, Map<String, Tensor>> run) {}

    private final MusicgenForConditionalGeneration model;
    private final double tolerance;

    public ModelVerifier(MusicgenForConditionalGeneration model, double tolerance) {
        this.model = model;
        this.tolerance = tolerance;
    }

    public Report verify(TensorSource reference) {
        model.train(false);
        List<Check> checks = new ArrayList<>();
        Map<String, String> unchecked = new LinkedHashMap<>();
        Set<String> known = new TreeSet<>();
        for (Stage stage : stages()) {
            known.addAll(stage.inputs());
            known.addAll(stage.outputs());
            List<String> wanted = stage.outputs().stream().filter(reference::contains).toList();
            if (wanted.isEmpty()) {
                continue;
            }
            List<String> absent = stage.inputs().stream().filter(name -> !reference.contains(name)).toList();
            if (!absent.isEmpty()) {
                wanted.forEach(name -> unchecked.put(name, "stage '" + stage.name() + "' lacks inputs " + absent));
                continue;
            }
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Map<String, Tensor> produced = stage.run().apply(name -> reference.tensor(name));
                for (String name : wanted) {
                    checks.add(compare(stage.name(), name, produced.get(name), reference.tensor(name)));
                }
            }
        }
        for (String name : reference.names()) {
            if (!known.contains(name)) {
                unchecked.put(name, "no computation is known for this tensor");
            }
        }
        return new Report(checks, unchecked);
    }

    private Check compare(String stage, String name, Tensor actual, Tensor expected) {
        boolean exact = !expected.is_floating_point();
        if (actual == null || !java.util.Arrays.equals(Shapes.of(actual), Shapes.of(expected))) {
            return new Check(name, stage, exact, Double.POSITIVE_INFINITY, false);
        }
        double error = actual.to(ScalarType.Double).sub(expected.to(ScalarType.Double)).abs().max().item_double();
        boolean passed = exact ? error == 0 : error <= tolerance;
        return new Check(name, stage, exact, error, passed);
    }

    private List<Stage> stages() {
        return List.of(
                new Stage("text encoder", List.of("text_input_ids", "text_attention_mask"),
                        List.of("encoder_last_hidden_state", "encoder_hidden_states", "conditioning"), this::textEncoder),
                new Stage("codec encode", List.of("audio_input"),
                        List.of("audio_encoder_embeddings", "audio_codes"), this::codecEncode),
                new Stage("codec decode", List.of("audio_codes"),
                        List.of("audio_quantized_embeddings", "audio_decoded"), this::codecDecode),
                new Stage("decoder", List.of("text_input_ids", "text_attention_mask", "decoder_input_ids", "labels"),
                        List.of("logits", "loss", "loss_per_codebook", "decoder_hidden_states"), this::decoder),
                new Stage("positions", List.of(), List.of("sinusoidal_positions"), this::positions),
                new Stage("delay pattern", List.of("delay_input_ids", "delay_max_length"),
                        List.of("delay_output_ids", "delay_pattern_mask"), this::delayPattern),
                new Stage("apply delay pattern", List.of("delay_apply_input_ids", "delay_pattern_mask"),
                        List.of("delay_apply_output_ids"), this::applyDelayPattern));
    }

    private Map<String, Tensor> textEncoder(Function<String, Tensor> ref) {
        Tensor ids = ref.apply("text_input_ids");
        Tensor mask = ref.apply("text_attention_mask");
        List<Tensor> hidden = new ArrayList<>();
        Tensor last = model.text_encoder.forward(ids, mask, hidden);
        return Map.of("encoder_last_hidden_state", last,
                "encoder_hidden_states", torch.stack(new TensorVector(hidden.toArray(new Tensor[0]))),
                "conditioning", model.condition(ids, mask).states());
    }

    private Map<String, Tensor> codecEncode(Function<String, Tensor> ref) {
        Tensor audio = ref.apply("audio_input").to(parameterType());
        return Map.of("audio_encoder_embeddings", model.audio_encoder.embed(audio),
                "audio_codes", model.audio_encoder.encode(audio));
    }

    private Map<String, Tensor> codecDecode(Function<String, Tensor> ref) {
        Tensor codes = ref.apply("audio_codes");
        return Map.of("audio_quantized_embeddings", model.audio_encoder.quantizer().decode(codes),
                "audio_decoded", model.audio_encoder.decode(codes));
    }

    private Map<String, Tensor> decoder(Function<String, Tensor> ref) {
        int k = model.config().decoder().numCodebooks();
        Tensor flatIds = ref.apply("decoder_input_ids"); // [B·K, S]
        Tensor ids = flatIds.reshape(flatIds.size(0) / k, k, flatIds.size(1)); // [B, K, S]
        Tensor labels = ref.apply("labels").permute(0, 2, 1); // [B, S, K] → [B, K, S]
        MusicgenForConditionalGeneration.Conditioning conditioning = model.condition(ref.apply("text_input_ids"), ref.apply("text_attention_mask"));
        List<Tensor> hidden = new ArrayList<>();
        Tensor states = model.decoder.decoder().forward(ids, 0, conditioning.states(), conditioning.attentionMask(), hidden);
        Tensor logits = model.decoder.heads(states);
        CodebookLoss.Result loss = CodebookLoss.compute(logits, labels, model.config().decoder().specialToken());
        return Map.of("logits", logits, "loss", loss.loss(), "loss_per_codebook", loss.perCodebook(),
                "decoder_hidden_states", torch.stack(new TensorVector(hidden.toArray(new Tensor[0]))));
    }

    private Map<String, Tensor> positions(Function<String, Tensor> ref) {
        long rows = ref.apply("sinusoidal_positions").size(0);
        return Map.of("sinusoidal_positions", model.decoder.decoder().positions(rows));
    }

    private Map<String, Tensor> delayPattern(Function<String, Tensor> ref) {
        DelayPattern.PatternMask result = delay().buildPatternMask(ref.apply("delay_input_ids"), ref.apply("delay_max_length").item_long());
        return Map.of("delay_output_ids", result.ids(), "delay_pattern_mask", result.pattern());
    }

    private Map<String, Tensor> applyDelayPattern(Function<String, Tensor> ref) {
        return Map.of("delay_apply_output_ids",
                DelayPattern.applyPatternMask(ref.apply("delay_apply_input_ids"), ref.apply("delay_pattern_mask")));
    }

    private DelayPattern delay() {
        return new DelayPattern(model.config().decoder().numCodebooks(), model.config().decoder().specialToken());
    }

    private ScalarType parameterType() {
        return model.enc_to_dec_proj == null ? ScalarType.Float : model.enc_to_dec_proj.weight.scalar_type();
    }
}
