package dev.retune.train;

import dev.retune.config.OptimConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * An optimizer parameter group: the trainable parameters split by weight decay (norms, biases and embeddings get
 * none unless {@code optim.decay_norms_biases_embeddings}). The trainer and {@code retune plan} split the same way.
 */
public record ParamGroup(String name, Map<String, Tensor> parameters, double weightDecay) {

    /** The non-empty groups, "decay" first. */
    public static List<ParamGroup> of(Map<String, Tensor> trainable, OptimConfig optim) {
        Map<String, Tensor> decay = new LinkedHashMap<>();
        Map<String, Tensor> noDecay = new LinkedHashMap<>();
        trainable.forEach((name, p) -> (optim.decayNormsBiasesEmbeddings() || !isNoDecay(name) ? decay : noDecay).put(name, p));
        List<ParamGroup> groups = new ArrayList<>();
        if (!decay.isEmpty()) {
            groups.add(new ParamGroup("decay", decay, optim.weightDecay()));
        }
        if (!noDecay.isEmpty()) {
            groups.add(new ParamGroup("no_decay", noDecay, 0.0));
        }
        return groups;
    }

    static boolean isNoDecay(String name) {
        return name.contains("layer_norm") || name.endsWith(".bias") || name.contains("embed_tokens") || name.contains("shared");
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
