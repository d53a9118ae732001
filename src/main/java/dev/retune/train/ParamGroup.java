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
 * @param lrScale this group's learning rate as a share of the schedule's (layer decay × stage multiplier)
 * @param stage   the unfreezing stage the group opens with (null: trains from the first step)
 */
public record ParamGroup(String name, Map<String, Tensor> parameters, double weightDecay, double lrScale, Stage stage) {

    /**
     * A progressive-unfreezing stage resolved to steps.
     *
     * @param start       first optimizer step (0-based) at which the stage's parameters train
     * @param warmupSteps steps over which the stage's rate ramps up from its start
     */
    public record Stage(String name, long start, int warmupSteps, double lrMult) {}

    /** Steps before which a group's parameters are frozen. */
    public long start() {
        return stage == null ? 0 : stage.start();
    }

    /** This group's share of the schedule's rate at optimizer step {@code step}: 0 before its stage starts. */
    public double lrFactor(long step) {
        if (step < start()) {
            return 0;
        }
        int warmup = stage == null ? 0 : stage.warmupSteps();
        return lrScale * (warmup == 0 ? 1.0 : Math.min(1.0, (double) (step - start() + 1) / warmup));
    }

    private static final Pattern DECODER_LAYER = Pattern.compile("^decoder\\.model\\.decoder\\.layers\\.(\\d+)\\.");

    /** The non-empty groups, in order of first appearance, all training from the first step. */
    public static List<ParamGroup> of(Map<String, Tensor> trainable, OptimConfig optim, int decoderLayers) {
        return of(trainable, optim, decoderLayers, List.of(), Map.of());
    }

    /**
     * As {@link #of(Map, OptimConfig, int)}, further split by unfreezing stage: {@code stageOf} gives each parameter's
     * index into {@code stages} (every trainable parameter must have one when stages are given).
     */
    public static List<ParamGroup> of(Map<String, Tensor> trainable, OptimConfig optim, int decoderLayers, List<Stage> stages,
                                      Map<String, Integer> stageOf) {
        Map<String, Map<String, Tensor>> members = new LinkedHashMap<>();
        Map<String, double[]> settings = new LinkedHashMap<>(); // name → {weight decay, lr scale}
        trainable.forEach((name, p) -> {
            boolean decays = optim.decayNormsBiasesEmbeddings() || !isNoDecay(name);
            String depth = optim.layerDecay() == null ? "" : depthLabel(name);
            Integer stage = stages.isEmpty() ? null : stageOf.get(name);
            String group = (stage == null ? "" : stages.get(stage).name() + ".") + (depth.isEmpty() ? "" : depth + ".")
                    + (decays ? "decay" : "no_decay");
            double scale = optim.layerDecay() == null ? 1.0 : Math.pow(optim.layerDecay(), -depthBelowTop(name, decoderLayers));
            members.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(name, p);
            settings.putIfAbsent(group, new double[] {decays ? optim.weightDecay() : 0.0, scale, stage == null ? -1 : stage});
        });
        List<ParamGroup> groups = new ArrayList<>();
        members.forEach((group, params) -> {
            double[] s = settings.get(group);
            Stage stage = s[2] < 0 ? null : stages.get((int) s[2]);
            groups.add(new ParamGroup(group, params, s[0], s[1] * (stage == null ? 1.0 : stage.lrMult()), stage));
        });
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
