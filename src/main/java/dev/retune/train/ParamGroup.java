package dev.retune.train;

import dev.retune.config.OptimConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * An optimizer parameter group. The trainable parameters are split by weight decay (norms, biases and embeddings get
 * none unless {@code optim.decay_norms_biases_embeddings}) and, with {@code optim.layer_decay}, by depth: ULMFiT's
 * discriminative learning rates, each decoder layer at the rate of the layer above divided by the decay. The trainer
 * and {@code retune plan} split the same way.
 *
 * @param lrScale this group's learning rate as a share of the schedule's
 */
public record ParamGroup(String name, Map<String, Tensor> parameters, double weightDecay, double lrScale) {

    private static final Pattern DECODER_LAYER = Pattern.compile("^decoder\\.model\\.decoder\\.layers\\.(\\d+)\\.");

    /** The non-empty groups, in order of first appearance. */
    public static List<ParamGroup> of(Map<String, Tensor> trainable, OptimConfig optim, int decoderLayers) {
        Map<String, Map<String, Tensor>> members = new LinkedHashMap<>();
        Map<String, double[]> settings = new LinkedHashMap<>(); // name → {weight decay, lr scale}
        trainable.forEach((name, p) -> {
            boolean decays = optim.decayNormsBiasesEmbeddings() || !isNoDecay(name);
            String depth = optim.layerDecay() == null ? "" : depthLabel(name);
            String group = (depth.isEmpty() ? "" : depth + ".") + (decays ? "decay" : "no_decay");
            double scale = optim.layerDecay() == null ? 1.0 : Math.pow(optim.layerDecay(), -depthBelowTop(name, decoderLayers));
            members.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(name, p);
            settings.putIfAbsent(group, new double[] {decays ? optim.weightDecay() : 0.0, scale});
        });
        List<ParamGroup> groups = new ArrayList<>();
        members.forEach((group, params) -> groups.add(new ParamGroup(group, params, settings.get(group)[0], settings.get(group)[1])));
        return groups;
    }

    static boolean isNoDecay(String name) {
        return name.contains("layer_norm") || name.endsWith(".bias") || name.contains("embed_tokens") || name.contains("shared");
    }

    /**
     * How many steps below the top a parameter sits: 0 for the heads, final norm and text projection, L − 1 − i for
     * decoder layer i, L for the token embeddings, L + 1 for the text encoder.
     */
    static int depthBelowTop(String name, int decoderLayers) {
        Matcher layer = DECODER_LAYER.matcher(name);
        if (layer.find()) {
            return decoderLayers - 1 - Integer.parseInt(layer.group(1));
        }
        if (name.contains("embed_tokens")) {
            return decoderLayers;
        }
        if (name.startsWith("text_encoder.")) {
            return decoderLayers + 1;
        }
        return 0;
    }

    private static String depthLabel(String name) {
        Matcher layer = DECODER_LAYER.matcher(name);
        if (layer.find()) {
            return String.format("layer%02d", Integer.parseInt(layer.group(1)));
        }
        if (name.contains("embed_tokens")) {
            return "embeddings";
        }
        return name.startsWith("text_encoder.") ? "text_encoder" : "top";
    }

    public long count() {
        return parameters.values().stream().mapToLong(Tensor::numel).sum();
    }

    TensorVector vector() {
        TensorVector vector = new TensorVector();
        parameters.values().forEach(vector::push_back);
        return vector;
    }
}
