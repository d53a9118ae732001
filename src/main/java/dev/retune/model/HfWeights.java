package dev.retune.model;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The mapping between a Hugging Face MusicGen checkpoint and {@link MusicgenForConditionalGeneration}. Names are the
 * same on both sides; this table holds the only exceptions:
 *
 * <table>
 *   <tr><th>ours</th><th>in the checkpoint</th></tr>
 *   <tr><td>text_encoder.shared.weight</td><td>the same, or its tied alias text_encoder.encoder.embed_tokens.weight</td></tr>
 *   <tr><td>audio_encoder.….conv.weight</td><td>….conv.weight_g + weight_v, or ….conv.parametrizations.weight.original0 + 1 (folded)</td></tr>
 *   <tr><td>(computed)</td><td>decoder.model.decoder.embed_positions.weights</td></tr>
 *   <tr><td>(unused: codebook training state)</td><td>audio_encoder.quantizer.layers.N.codebook.{inited, cluster_size, embed_avg}</td></tr>
 * </table>
 */
final class HfWeights {

    static final String SHARED = "text_encoder.shared.weight";
    static final String TIED_ALIAS = "text_encoder.encoder.embed_tokens.weight";
    static final String POSITIONS = "decoder.model.decoder.embed_positions.weights";
    private static final Pattern CODEBOOK_STATE = Pattern.compile("audio_encoder\\.quantizer\\.layers\\.\\d+\\.codebook\\.(inited|cluster_size|embed_avg)");
    private static final List<String[]> WEIGHT_NORM = List.of(
            new String[] {".weight_g", ".weight_v"},
            new String[] {".parametrizations.weight.original0", ".parametrizations.weight.original1"});

    private final TensorSource source;
    private final Set<String> consumed = new TreeSet<>();

    HfWeights(TensorSource source) {
        this.source = source;
    }

    /** Our parameter {@code name} read from the checkpoint as float32, or null when the checkpoint lacks it. */
    Tensor lookup(String name) {
        if (source.contains(name)) {
            return read(name);
        }
        if (name.equals(SHARED) && source.contains(TIED_ALIAS)) {
            return read(TIED_ALIAS);
        }
        if (name.endsWith(".weight")) {
            String base = name.substring(0, name.length() - ".weight".length());
            for (String[] spelling : WEIGHT_NORM) {
                if (source.contains(base + spelling[0]) && source.contains(base + spelling[1])) {
                    Tensor g = read(base + spelling[0]);
                    Tensor v = read(base + spelling[1]);
                    return v.mul(g.div(torch.norm_except_dim(v, 2, 0))); // g · v / ‖v‖
                }
            }
        }
        return null;
    }

    /** Checkpoint names no parameter used and that the table does not explain: worth a warning. */
    List<String> unexpected() {
        return source.names().stream()
                .filter(name -> !consumed.contains(name))
                .filter(name -> !isKnownUnused(name))
                .toList();
    }

    /**
     * Why the stored tensor {@code name} of {@code source} holds values that are not the model's parameters, or null
     * when it is a parameter. Stored weight-norm pairs count their magnitudes here: the directions have the folded
     * weight's size.
     */
    static String notAParameter(String name, TensorSource source) {
        if (name.equals(POSITIONS)) {
            return "position table (computed from the config)";
        }
        if (CODEBOOK_STATE.matcher(name).matches()) {
            return "codebook k-means state (only used to train the codec)";
        }
        if (name.equals(TIED_ALIAS) && source.contains(SHARED)) {
            return "tied copy of " + SHARED;
        }
        for (String[] spelling : WEIGHT_NORM) {
            if (name.endsWith(spelling[0])) {
                return "weight-norm magnitudes (folded into the codec's conv weights)";
            }
        }
        return null;
    }

    private static boolean isKnownUnused(String name) {
        return name.equals(TIED_ALIAS) || name.equals(POSITIONS) || CODEBOOK_STATE.matcher(name).matches();
    }

    private Tensor read(String name) {
        consumed.add(name);
        return source.tensor(name, ScalarType.Float);
    }
}
