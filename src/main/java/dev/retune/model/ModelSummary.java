package dev.retune.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a model folder holds, read from config.json and the safetensors headers alone (no weights are loaded, so it
 * is instant even for musicgen-large): parameter counts per component and per layer type, dtypes and bytes.
 */
public record ModelSummary(Path dir, MusicgenConfig config, Map<String, Long> parametersByComponent,
                           Map<String, Long> parametersByType, Map<String, Long> tensorsByDtype, long totalParameters,
                           long totalBytes) {

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
        Map<String, Long> byComponent = new TreeMap<>();
        Map<String, Long> byType = new TreeMap<>();
        Map<String, Long> byDtype = new TreeMap<>();
        long total = 0;
        long bytes = 0;
        try (TensorSource weights = ModelFolder.openWeights(dir)) {
            for (String name : weights.names()) {
                Safetensors.TensorInfo info = weights.info(name);
                long count = info.numel();
                total += count;
                bytes += info.byteSize();
                byComponent.merge(name.substring(0, name.indexOf('.') < 0 ? name.length() : name.indexOf('.')), count, Long::sum);
                byType.merge(typeOf(name), count, Long::sum);
                byDtype.merge(info.dtype().name(), 1L, Long::sum);
            }
        }
        return new ModelSummary(dir, config, byComponent, byType, byDtype, total, bytes);
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
