package dev.retune.model;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a model folder holds, read from config.json and the safetensors headers alone (no weights are loaded, so it
 * is instant even for musicgen-large): the parameter count, the values the checkpoint stores per component and per
 * layer type, dtypes and bytes.
 *
 * <p>A Hugging Face checkpoint stores more values than the model has parameters; {@link #storedNotParameters} says
 * which and why, so that {@code parameters + Σ storedNotParameters = storedValues}.
 *
 * @param parameters          {@link MusicgenConfig#parameterCount()}: what every command reports for this model
 * @param storedValues        values of every tensor in the weight files
 * @param storedNotParameters stored values that are not parameters, by reason (a computed table, training state, ...);
 *                            a checkpoint that does not match its config adds a signed remainder
 */
public record ModelSummary(Path dir, MusicgenConfig config, long parameters, long storedValues,
                           Map<String, Long> storedNotParameters, Map<String, Long> storedByComponent,
                           Map<String, Long> storedByType, Map<String, Long> tensorsByDtype, long totalBytes) {

    /** The reason for stored values the config's model does not have, or lacks. */
    private static final String UNMATCHED = "tensors that do not match the config (missing or unexpected)";

    /** Layer types, first match wins; the pattern is searched in the tensor name. */
    private static final List<Map.Entry<String, Pattern>> TYPES = List.of(
            Map.entry("embeddings", Pattern.compile("embed_tokens|shared\\.weight|embed_positions")),
            Map.entry("self-attention", Pattern.compile("self_attn\\.|SelfAttention\\.")),
            Map.entry("cross-attention", Pattern.compile("encoder_attn\\.")),
            Map.entry("feed-forward", Pattern.compile("\\.fc[12]\\.|DenseReluDense")),
            Map.entry("norms", Pattern.compile("layer_norm")),
            Map.entry("lm heads", Pattern.compile("lm_heads")),
            Map.entry("text projection", Pattern.compile("^enc_to_dec_proj")),
            Map.entry("codec lstm", Pattern.compile("audio_encoder\\..*lstm")),
            Map.entry("codec quantizer", Pattern.compile("audio_encoder\\.quantizer")),
            Map.entry("codec conv", Pattern.compile("audio_encoder\\..*conv")));

    public static ModelSummary read(Path dir) {
        MusicgenConfig config = MusicgenConfig.read(dir.resolve(ModelFolder.CONFIG));
        long parameters = config.parameterCount();
        Map<String, Long> notParameters = new LinkedHashMap<>();
        Map<String, Long> byComponent = new TreeMap<>();
        Map<String, Long> byType = new TreeMap<>();
        Map<String, Long> byDtype = new TreeMap<>();
        long stored = 0;
        long bytes = 0;
        try (TensorSource weights = ModelFolder.openWeights(dir)) {
            for (String name : weights.names()) {
                Safetensors.TensorInfo info = weights.info(name);
                long count = info.numel();
                stored += count;
                bytes += info.byteSize();
                String reason = HfWeights.notAParameter(name, weights);
                if (reason != null) {
                    notParameters.merge(reason, count, Long::sum);
                }
                byComponent.merge(name.substring(0, name.indexOf('.') < 0 ? name.length() : name.indexOf('.')), count, Long::sum);
                byType.merge(typeOf(name), count, Long::sum);
                byDtype.merge(info.dtype().name(), 1L, Long::sum);
            }
        }
        long unmatched = stored - parameters - notParameters.values().stream().mapToLong(Long::longValue).sum();
        if (unmatched != 0) {
            notParameters.put(UNMATCHED, unmatched);
        }
        return new ModelSummary(dir, config, parameters, stored, notParameters, byComponent, byType, byDtype, bytes);
    }

    static String typeOf(String name) {
        for (Map.Entry<String, Pattern> type : TYPES) {
            if (type.getValue().matcher(name).find()) {
                return type.getKey();
            }
        }
        return "other";
    }
}
