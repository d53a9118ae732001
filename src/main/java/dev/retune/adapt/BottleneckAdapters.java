package dev.retune.adapt;

import dev.retune.config.AdaptConfig;
import dev.retune.config.AdaptersSection;
import dev.retune.config.ConfigException;
import dev.retune.model.Linear;
import dev.retune.model.MusicgenDecoderLayer;
import dev.retune.model.MusicgenDecoderLayer.Branch;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Houlsby bottleneck adapters on a MusicGen model: every base weight frozen, a {@link BottleneckAdapter} after the
 * selected residual branches of the selected decoder layers (through {@link MusicgenDecoderLayer#setBranchHook}),
 * optionally one on the text projection (through its {@link Linear#setDelta delta hook}), and only the adapters train.
 * They add layers a plain MusicGen model does not have, so they neither merge into it nor have a standard format of
 * their own: a run with them generates through {@code generate --run}.
 *
 * <p>Each adapter is a child module of what it adapts, so state-dict names read
 * {@code decoder.model.decoder.layers.3.adapter_ffn.down.weight} and {@code enc_to_dec_proj.adapter.up.bias}.
 *
 * <pre>
 * BottleneckAdapters adapters = BottleneckAdapters.apply(model, config);
 * optimizer over adapters.trainable() ... train ...
 * </pre>
 */
public final class BottleneckAdapters implements Adaptation {

    /** Child module name of the adapter after each branch of a decoder layer. */
    public static final Map<Branch, String> MODULE_NAMES = Collections.unmodifiableMap(new EnumMap<>(Map.of(
            Branch.SELF_ATTENTION, "adapter_self_attn",
            Branch.CROSS_ATTENTION, "adapter_encoder_attn",
            Branch.FEED_FORWARD, "adapter_ffn")));
    /** The decoder layer's branch after which each {@code adapt.adapters.positions} entry puts an adapter. */
    private static final Map<String, Branch> BRANCHES = Map.of(
            AdaptersSection.SELF_ATTENTION, Branch.SELF_ATTENTION,
            AdaptersSection.CROSS_ATTENTION, Branch.CROSS_ATTENTION,
            AdaptersSection.FEED_FORWARD, Branch.FEED_FORWARD);
    /** Child module name of the text adapter under {@code enc_to_dec_proj}. */
    public static final String TEXT_MODULE_NAME = "adapter";

    private static final String TEXT_PROJECTION = "enc_to_dec_proj";

    /** One adapter where it sits: its module path, and how to take it out again. */
    private record Attached(String path, BottleneckAdapter adapter, Runnable detach) {}

    private final AdaptersSection config;
    // The adapters' Java references (docs/bytedeco.md); the hooks set on the model refer to them too.
    private final List<Attached> attached;
    private boolean removed;

    private BottleneckAdapters(AdaptersSection config, List<Attached> attached) {
        this.config = config;
        this.attached = List.copyOf(attached);
    }

    /**
     * Freezes every parameter of {@code model} (requires_grad false) and attaches the adapters {@code config} selects,
     * each with a zero up projection, so the model's outputs are unchanged until the adapters train. Call it once per
     * model, outside any PointerScope (the adapters live as long as the model), before the optimizer is built.
     *
     * @throws ConfigException when {@code layers} names a decoder layer the model does not have, or
     *                         {@code textAdapter} is set for a model without a text projection
     */
    public static BottleneckAdapters apply(MusicgenForConditionalGeneration model, AdaptersSection config) {
        if (PointerScope.getInnerScope() != null) {
            throw new IllegalStateException("BottleneckAdapters.apply creates modules that live as long as the model:"
                    + " call it outside any PointerScope, like the model's constructor");
        }
        List<Integer> layers = layers(config, model.decoder.model.decoder.layers.count());
        if (config.textAdapter() && model.enc_to_dec_proj == null) {
            throw new ConfigException("adapt.adapters.text_adapter: this model has no text projection (enc_to_dec_proj;"
                    + " the text encoder is as wide as the decoder), so there is nothing to adapt; set it to false",
                    "adapt.adapters.text_adapter");
        }
        freezeAndCheckClean(model, config.textAdapter());

        List<Attached> attached = new ArrayList<>();
        for (int index : layers) {
            MusicgenDecoderLayer layer = model.decoder.model.decoder.layers.get(index);
            for (Branch branch : branches(config)) {
                attached.add(attachToBranch(Lora.DECODER_LAYERS + index, layer, branch, config));
            }
        }
        if (config.textAdapter()) {
            attached.add(attachToTextProjection(model.enc_to_dec_proj, config));
        }
        return new BottleneckAdapters(config, attached);
    }

    /** {@code positions} as the decoder layer's branches, in forward order. */
    private static Set<Branch> branches(AdaptersSection config) {
        Set<Branch> branches = EnumSet.noneOf(Branch.class);
        config.positions().forEach(position -> branches.add(BRANCHES.get(position)));
        return branches;
    }

    /** The selected decoder layer indices, all of them when the config lists none. */
    private static List<Integer> layers(AdaptersSection config, int decoderLayers) {
        if (config.layers() == null) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < decoderLayers; i++) {
                all.add(i);
            }
            return all;
        }
        for (int layer : config.layers()) {
            if (layer >= decoderLayers) {
                throw new ConfigException("adapt.adapters.layers: the decoder has " + decoderLayers + " layers (0.."
                        + (decoderLayers - 1) + "), found " + layer, "adapt.adapters.layers");
            }
        }
        return config.layers().stream().distinct().sorted().toList();
    }

    private static Attached attachToBranch(String layerPath, MusicgenDecoderLayer layer, Branch branch,
            AdaptersSection config) {
        long d = layer.fc2.outFeatures();
        BottleneckAdapter adapter = new BottleneckAdapter(d, d, config, layer.fc2.weight);
        String name = MODULE_NAMES.get(branch);
        layer.register_module(name, adapter);
        layer.setBranchHook(branch, adapter::forward);
        return new Attached(layerPath + "." + name, adapter, () -> {
            layer.setBranchHook(branch, null);
            layer.unregister_module(name);
        });
    }

    private static Attached attachToTextProjection(Linear projection, AdaptersSection config) {
        BottleneckAdapter adapter = new BottleneckAdapter(projection.inFeatures(), projection.outFeatures(), config,
                projection.weight);
        projection.register_module(TEXT_MODULE_NAME, adapter);
        projection.setDelta(adapter::delta);
        return new Attached(TEXT_PROJECTION + "." + TEXT_MODULE_NAME, adapter, () -> {
            projection.setDelta(null);
            projection.unregister_module(TEXT_MODULE_NAME);
        });
    }

    /**
     * Refuses a model that already has bottleneck adapters, or (with the text adapter) whose text projection already
     * carries another adapter in its delta hook; then freezes every floating-point leaf.
     */
    private static void freezeAndCheckClean(MusicgenForConditionalGeneration model, boolean textAdapter) {
        Map<String, Tensor> all = StateDict.of(model);
        for (String name : all.keySet()) {
            boolean onBranch = MODULE_NAMES.values().stream().anyMatch(module -> name.contains("." + module + "."));
            if (onBranch || name.startsWith(TEXT_PROJECTION + "." + TEXT_MODULE_NAME + ".")) {
                throw new IllegalStateException("the model already has bottleneck adapters (" + name
                        + "): remove them before applying adapters again");
            }
            if (textAdapter && name.startsWith(TEXT_PROJECTION + ".") && !name.equals(TEXT_PROJECTION + ".weight")
                    && !name.equals(TEXT_PROJECTION + ".bias")) {
                throw new IllegalStateException("the text projection already carries an adapter (" + name
                        + ") in its delta hook: remove it before adding a text adapter");
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
        return AdaptConfig.Method.ADAPTERS;
    }

    /** The adapters by module path (e.g. {@code decoder.model.decoder.layers.0.adapter_ffn}), in module order. */
    public Map<String, BottleneckAdapter> adapters() {
        Map<String, BottleneckAdapter> adapters = new LinkedHashMap<>();
        attached.forEach(a -> adapters.put(a.path(), a.adapter()));
        return adapters;
    }

    public AdaptersSection config() {
        return config;
    }

    /**
     * The weights that train, by state-dict name: {@code <path>.down.weight} [m, in], {@code <path>.down.bias} [m],
     * {@code <path>.up.weight} [out, m] and {@code <path>.up.bias} [out] of each adapter. A fresh map of the live
     * tensors.
     */
    @Override
    public Map<String, Tensor> trainable() {
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        for (Attached a : attached) {
            trainable.put(a.path() + ".down.weight", a.adapter().down.weight);
            trainable.put(a.path() + ".down.bias", a.adapter().down.bias);
            trainable.put(a.path() + ".up.weight", a.adapter().up.weight);
            trainable.put(a.path() + ".up.bias", a.adapter().up.bias);
        }
        return trainable;
    }

    /** Σ over the adapters of m·(in + 1) + out·(m + 1); D·m + m + m·D + D for each decoder adapter. */
    @Override
    public long trainableParameters() {
        return attached.stream().mapToLong(a -> a.adapter().parameterCount()).sum();
    }

    /**
     * Detaches every adapter: hooks off, adapter modules unregistered, so the model computes and names exactly what
     * the base model does (its weights stay frozen). Idempotent; the adapters cannot be attached again.
     */
    public void remove() {
        if (!removed) {
            attached.forEach(a -> a.detach().run());
            removed = true;
        }
    }

    /** Refused: the adapters are layers a plain MusicGen model does not have. */
    @Override
    public void mergeIntoBase() {
        throw new AdaptationException("adapt.method adapters: bottleneck adapters add layers a plain MusicGen model does not"
                + " have, so they cannot be merged into it; generate with --run instead");
    }

    @Override
    public boolean hasAdapterExport() {
        return false;
    }

    /** Refused: there is no standard file format (as PEFT's is for LoRA) that loads these adapters. */
    @Override
    public void writeAdapter(Path dir, String baseModelName) {
        throw new AdaptationException("adapt.method adapters has no adapter-only export: no standard format loads Houlsby"
                + " bottleneck adapters onto MusicGen; the run's checkpoints hold them, generate with --run");
    }
}
