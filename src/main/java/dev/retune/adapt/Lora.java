package dev.retune.adapt;

import dev.retune.config.AdaptConfig;
import dev.retune.config.ConfigException;
import dev.retune.config.LoraSection;
import dev.retune.model.Linear;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * LoRA on a MusicGen model: every base weight frozen, a {@link LoraLayer} on each Linear whose module path matches
 * the config, and only the adapters' A and B train. The adapters merge into the base weights; on their own they
 * export as a Hugging Face PEFT adapter ({@link PeftAdapter}).
 *
 * <pre>
 * Lora lora = Lora.apply(model, config);
 * optimizer over lora.trainable() ... train ...
 * lora.writeAdapter(dir, "facebook/musicgen-small");
 * </pre>
 */
public final class Lora implements Adaptation {

    /** Module path prefix of decoder layer N: {@code decoder.model.decoder.layers.N.}. */
    static final String DECODER_LAYERS = "decoder.model.decoder.layers.";

    private static final int EXAMPLE_PATHS = 16;

    private final LoraSection config;
    private final List<LoraLayer> layers;

    private Lora(LoraSection config, List<LoraLayer> layers) {
        this.config = config;
        this.layers = List.copyOf(layers);
    }

    /**
     * Freezes every parameter of {@code model} (requires_grad false) and puts a LoRA adapter with B = 0 on each
     * Linear selected by {@code config}, so the model's outputs are unchanged until B trains. Call it once per model,
     * outside any PointerScope (the adapters live as long as the model), before the optimizer is built.
     *
     * @throws ConfigException when {@code targetModules} / {@code layers} select no Linear of this model, or name a
     *                         decoder layer it does not have
     */
    public static Lora apply(MusicgenForConditionalGeneration model, LoraSection config) {
        return apply(model, config, 1.0);
    }

    /** As {@link #apply(MusicgenForConditionalGeneration, LoraSection)}, each delta scaled by {@code weight} as well. */
    static Lora apply(MusicgenForConditionalGeneration model, LoraSection config, double weight) {
        if (PointerScope.getInnerScope() != null) {
            throw new IllegalStateException("Lora.apply creates modules that live as long as the model: call it outside"
                    + " any PointerScope, like the model's constructor");
        }
        Map<String, Linear> linears = LinearLocator.linears(model);
        List<String> targets = targets(linears.keySet(), config, model.decoder.model.decoder.layers.count());
        freezeAndCheckClean(model);
        List<LoraLayer> layers = new ArrayList<>();
        for (String path : targets) {
            layers.add(new LoraLayer(path, linears.get(path), config, weight));
        }
        return new Lora(config, layers);
    }

    /** The paths among {@code paths} that {@code config} selects, in order; never empty. */
    static List<String> targets(Set<String> paths, LoraSection config, int decoderLayers) {
        Set<String> layerPrefixes = null;
        if (config.layers() != null) {
            layerPrefixes = new LinkedHashSet<>();
            for (int layer : config.layers()) {
                if (layer >= decoderLayers) {
                    throw new ConfigException("adapt.lora.layers: the decoder has " + decoderLayers + " layers (0.."
                            + (decoderLayers - 1) + "), found " + layer, "adapt.lora.layers");
                }
                layerPrefixes.add(DECODER_LAYERS + layer + ".");
            }
        }
        Pattern pattern = Pattern.compile(config.targetModules());
        List<String> targets = new ArrayList<>();
        for (String path : paths) {
            if (pattern.matcher(path).find() && (layerPrefixes == null || layerPrefixes.stream().anyMatch(path::startsWith))) {
                targets.add(path);
            }
        }
        if (targets.isEmpty()) {
            throw new ConfigException("adapt.lora.target_modules '" + config.targetModules() + "'"
                    + (config.layers() == null ? "" : " with adapt.lora.layers " + config.layers())
                    + " matches no Linear layer of the model; its " + paths.size() + " Linear paths look like: "
                    + String.join(", ", examples(paths)), "adapt.lora.target_modules", "adapt.lora.layers");
        }
        return targets;
    }

    /** The first path of each distinct shape (digits as N): one line per kind of Linear. */
    private static List<String> examples(Set<String> paths) {
        Map<String, String> firstByShape = new LinkedHashMap<>();
        for (String path : paths) {
            firstByShape.putIfAbsent(path.replaceAll("\\d+", "N"), path);
        }
        List<String> examples = new ArrayList<>(firstByShape.values());
        return examples.size() <= EXAMPLE_PATHS ? examples : examples.subList(0, EXAMPLE_PATHS);
    }

    private static void freezeAndCheckClean(MusicgenForConditionalGeneration model) {
        Map<String, Tensor> all = StateDict.of(model);
        for (String name : all.keySet()) {
            if (name.contains(".lora_A.") || name.contains(".lora_B.")) {
                throw new IllegalStateException("the model already has LoRA adapters (" + name
                        + "): remove them before applying LoRA again");
            }
        }
        for (Tensor t : all.values()) {
            if (t.is_leaf() && t.is_floating_point()) {
                t.requires_grad_(false);
            }
        }
    }

    @Override
    public AdaptConfig.Method method() {
        return AdaptConfig.Method.LORA;
    }

    /** The adapters, in module order. */
    public List<LoraLayer> layers() {
        return layers;
    }

    public LoraSection config() {
        return config;
    }

    /**
     * The weights that train, by state-dict name: {@code <path>.lora_A.weight} [r, in] and
     * {@code <path>.lora_B.weight} [out, r] of each adapter. A fresh map of the live tensors.
     */
    @Override
    public Map<String, Tensor> trainable() {
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        for (LoraLayer layer : layers) {
            trainable.put(layer.path() + ".lora_A.weight", layer.a());
            trainable.put(layer.path() + ".lora_B.weight", layer.b());
        }
        return trainable;
    }

    /** Σ r·(in + out) over the adapters. */
    @Override
    public long trainableParameters() {
        return layers.stream().mapToLong(LoraLayer::parameterCount).sum();
    }

    /** Folds every adapter into its base weight (inference without the extra matmuls); idempotent. */
    public void merge() {
        layers.forEach(LoraLayer::merge);
    }

    /** Takes every adapter out of its base weight again; idempotent. */
    public void unmerge() {
        layers.forEach(LoraLayer::unmerge);
    }

    /**
     * Detaches every adapter (see {@link LoraLayer#remove()}): after {@code unmerge()} the model is the base model,
     * after {@code merge()} it is a plain model carrying the adapted weights.
     */
    public void remove() {
        layers.forEach(LoraLayer::remove);
    }

    /** Folds the adapters into their base weights and detaches them: the model is a plain MusicGen model. */
    @Override
    public void mergeIntoBase() {
        merge();
        remove();
    }

    @Override
    public boolean hasAdapterExport() {
        return true;
    }

    /** {@link PeftAdapter#write}: {@code adapter_config.json} and {@code adapter_model.safetensors}. */
    @Override
    public void writeAdapter(Path dir, String baseModelName) {
        PeftAdapter.write(dir, this, baseModelName);
    }
}
