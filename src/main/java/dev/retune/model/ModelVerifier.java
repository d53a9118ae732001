package dev.retune.model;

import java.util.ArrayList;
import java.util.Arrays;
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
 * the file goes unchecked; and a file with no output to compare fails too. Inputs are checked first
 * ({@link ReferenceInputs}): a bad one is a {@link ModelException} naming the file and the tensor.
 */
public final class ModelVerifier {

    /**
     * One compared tensor.
     *
     * @param problem why it failed before any value was compared (a shape differs), or null
     */
    public record Check(String tensor, String stage, boolean exact, double maxAbsError, boolean passed, String problem) {}

    /** Every comparison, and the reference tensors that could not be checked (with the reason). */
    public record Report(List<Check> checks, Map<String, String> unchecked) {
        /** At least one tensor compared, all within tolerance, nothing left unchecked. */
        public boolean passed() {
            return !checks.isEmpty() && unchecked.isEmpty() && checks.stream().allMatch(Check::passed);
        }
    }

    /** A stage: the reference tensors it needs, those it produces, and how it produces them. */
    private record Stage(String name, List<String> inputs, List<String> outputs,
                         Function<ReferenceInputs, Map<String, Tensor>> run) {}

    /** Longest reference text: the n_positions of MusicGen's T5 configs (and their tokenizers' model_max_length). */
    private static final int MAX_TEXT_TOKENS = 512;

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
                Map<String, Tensor> produced = stage.run().apply(new ReferenceInputs(reference));
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
        if (!Arrays.equals(Shapes.of(actual), Shapes.of(expected))) {
            return new Check(name, stage, exact, Double.POSITIVE_INFINITY, false, "shape " + Arrays.toString(Shapes.of(expected))
                    + " in the reference, " + Arrays.toString(Shapes.of(actual)) + " computed");
        }
        double error = actual.to(ScalarType.Double).sub(expected.to(ScalarType.Double)).abs().max().item_double();
        boolean passed = exact ? error == 0 : error <= tolerance;
        return new Check(name, stage, exact, error, passed, null);
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

    private Map<String, Tensor> textEncoder(ReferenceInputs ref) {
        Tensor ids = textIds(ref);
        Tensor mask = textMask(ref, ids);
        List<Tensor> hidden = new ArrayList<>();
        Tensor last = model.text_encoder.forward(ids, mask, hidden);
        return Map.of("encoder_last_hidden_state", last,
                "encoder_hidden_states", torch.stack(new TensorVector(hidden.toArray(new Tensor[0]))),
                "conditioning", model.condition(ids, mask).states());
    }

    private Map<String, Tensor> codecEncode(ReferenceInputs ref) {
        Tensor audio = ref.floats("audio_input", "[B, C, N]");
        int channels = config().audioEncoder().audioChannels();
        ref.require(audio.size(1) == channels, "audio_input", "must have " + channels + " channel(s) (audio_encoder.audio_channels),"
                + " found shape " + Arrays.toString(Shapes.of(audio)));
        audio = audio.to(parameterType());
        return Map.of("audio_encoder_embeddings", model.audio_encoder.embed(audio),
                "audio_codes", model.audio_encoder.encode(audio));
    }

    private Map<String, Tensor> codecDecode(ReferenceInputs ref) {
        Tensor codes = ref.ids("audio_codes", "[B, K, T]", 0, config().audioEncoder().codebookSize() - 1);
        int quantizers = model.audio_encoder.quantizer().numQuantizers();
        ref.require(codes.size(1) <= quantizers, "audio_codes", "has " + codes.size(1) + " codebooks; the codec has "
                + quantizers);
        return Map.of("audio_quantized_embeddings", model.audio_encoder.quantizer().decode(codes),
                "audio_decoded", model.audio_encoder.decode(codes));
    }

    private Map<String, Tensor> decoder(ReferenceInputs ref) {
        DecoderConfig decoder = config().decoder();
        int k = decoder.numCodebooks();
        Tensor flatIds = ref.ids("decoder_input_ids", "[B·K, S]", 0, decoder.vocabSize()); // the special token is vocab_size
        requireWholeBatches(ref, "decoder_input_ids", flatIds);
        long batch = flatIds.size(0) / k;
        long steps = flatIds.size(1);
        ref.require(steps <= decoder.maxPositionEmbeddings(), "decoder_input_ids", "has " + steps
                + " steps, more than decoder.max_position_embeddings " + decoder.maxPositionEmbeddings());
        Tensor ids = flatIds.reshape(batch, k, steps); // [B, K, S]
        Tensor labels = ref.ids("labels", "[B, S, K]", 0, decoder.vocabSize(), CodebookLoss.IGNORE);
        ref.require(Arrays.equals(Shapes.of(labels), new long[] {batch, steps, k}), "labels", "must have shape "
                + Arrays.toString(new long[] {batch, steps, k}) + " to match decoder_input_ids, found " + Arrays.toString(Shapes.of(labels)));
        Tensor textIds = textIds(ref);
        ref.require(textIds.size(0) == batch, "text_input_ids", "has " + textIds.size(0) + " rows; decoder_input_ids has "
                + batch + " batch items");
        MusicgenForConditionalGeneration.Conditioning conditioning = model.condition(textIds, textMask(ref, textIds));
        List<Tensor> hidden = new ArrayList<>();
        Tensor states = model.decoder.decoder().forward(ids, 0, conditioning.states(), conditioning.attentionMask(), hidden);
        Tensor logits = model.decoder.heads(states);
        CodebookLoss.Result loss = CodebookLoss.compute(logits, labels.permute(0, 2, 1), decoder.specialToken()); // [B, K, S]
        return Map.of("logits", logits, "loss", loss.loss(), "loss_per_codebook", loss.perCodebook(),
                "decoder_hidden_states", torch.stack(new TensorVector(hidden.toArray(new Tensor[0]))));
    }

    private Map<String, Tensor> positions(ReferenceInputs ref) {
        long rows = ref.shape("sinusoidal_positions", "[P, D]", null)[0];
        int max = config().decoder().maxPositionEmbeddings();
        ref.require(rows <= max, "sinusoidal_positions", "has " + rows + " rows, more than decoder.max_position_embeddings " + max);
        return Map.of("sinusoidal_positions", model.decoder.decoder().positions(rows));
    }

    private Map<String, Tensor> delayPattern(ReferenceInputs ref) {
        Tensor ids = ref.ids("delay_input_ids", "[B·K, n]", ReferenceInputs.ANY, ReferenceInputs.ANY);
        requireWholeBatches(ref, "delay_input_ids", ids);
        int max = config().decoder().maxPositionEmbeddings();
        long length = ref.ids("delay_max_length", "[]", 1, max).item_long();
        DelayPattern.PatternMask result = delay().buildPatternMask(ids, length);
        return Map.of("delay_output_ids", result.ids(), "delay_pattern_mask", result.pattern());
    }

    private Map<String, Tensor> applyDelayPattern(ReferenceInputs ref) {
        Tensor ids = ref.ids("delay_apply_input_ids", "[B·K, n]", ReferenceInputs.ANY, ReferenceInputs.ANY);
        Tensor pattern = ref.ids("delay_pattern_mask", "[B·K, L]", ReferenceInputs.ANY, ReferenceInputs.ANY);
        ref.require(pattern.size(0) == ids.size(0) && pattern.size(1) >= ids.size(1), "delay_pattern_mask", "must have "
                + ids.size(0) + " rows and at least " + ids.size(1) + " columns to cover delay_apply_input_ids, found shape "
                + Arrays.toString(Shapes.of(pattern)));
        return Map.of("delay_apply_output_ids", DelayPattern.applyPatternMask(ids, pattern));
    }

    private Tensor textIds(ReferenceInputs ref) {
        Tensor ids = ref.ids("text_input_ids", "[B, L]", 0, config().textEncoder().vocabSize() - 1);
        ref.require(ids.size(1) <= MAX_TEXT_TOKENS, "text_input_ids", "has " + ids.size(1) + " tokens per row, more than "
                + MAX_TEXT_TOKENS + " (T5 attends over L × L pairs)");
        return ids;
    }

    private static Tensor textMask(ReferenceInputs ref, Tensor ids) {
        Tensor mask = ref.ids("text_attention_mask", "[B, L]", 0, 1);
        ref.require(Arrays.equals(Shapes.of(mask), Shapes.of(ids)), "text_attention_mask", "must have the shape of "
                + "text_input_ids " + Arrays.toString(Shapes.of(ids)) + ", found " + Arrays.toString(Shapes.of(mask)));
        return mask;
    }

    private void requireWholeBatches(ReferenceInputs ref, String name, Tensor ids) {
        int k = config().decoder().numCodebooks();
        ref.require(ids.size(0) % k == 0, name, "has " + ids.size(0) + " rows, not a multiple of decoder.num_codebooks " + k);
    }

    private MusicgenConfig config() {
        return model.config();
    }

    private DelayPattern delay() {
        return new DelayPattern(model.config().decoder().numCodebooks(), model.config().decoder().specialToken());
    }

    private ScalarType parameterType() {
        return model.enc_to_dec_proj == null ? ScalarType.Float : model.enc_to_dec_proj.weight.scalar_type();
    }
}
