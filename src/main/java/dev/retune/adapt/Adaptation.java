package dev.retune.adapt;

import dev.retune.config.AdaptConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;

/**
 * One adaptation method ({@code adapt.method}) applied to a model: what trains, whether it merges into the base model,
 * what it exports on its own, and how a run's trained weights go back onto a fresh base model. The trainer,
 * {@code retune plan}, generation and export all go through here, so a plan counts exactly what a run trains and an
 * export holds exactly what it trained.
 *
 * <p>A method is one class implementing this interface plus its config section (in {@link AdaptConfig}); {@link #apply}
 * is the one place that maps the configured method to its class.
 */
public interface Adaptation {

    /**
     * Applies the configured method to {@code model}: freezes what does not train and attaches adapters where the
     * method has them. Call it once per model, outside any PointerScope, before the optimizer is built.
     */
    static Adaptation apply(MusicgenForConditionalGeneration model, AdaptConfig config) {
        return switch (config.method()) {
            case FULL -> FullFineTuning.apply(model, config.trainTextEncoder());
            case PARTIAL -> PartialFineTuning.apply(model, config.partial());
            case LORA -> Lora.apply(model, config.lora());
            case ADAPTERS -> BottleneckAdapters.apply(model, config.adapters());
        };
    }

    /**
     * A run's adaptation put back onto its base model: the method applied as training applied it, then
     * {@code loadSaved} fills the weights the run's checkpoints hold, by name. Those are {@link #trainable()}, less
     * what no stage of {@code adapt.unfreeze} names: such weights never trained, so checkpoints do not hold them.
     *
     * @param loadSaved copies the checkpoint's tensor of each name into the map's live tensors
     */
    static Adaptation restore(MusicgenForConditionalGeneration model, AdaptConfig config, Consumer<Map<String, Tensor>> loadSaved) {
        Adaptation adaptation = apply(model, config);
        Map<String, Tensor> saved = new LinkedHashMap<>(adaptation.trainable());
        if (!config.unfreeze().stages().isEmpty()) {
            Set<String> staged = UnfreezeGroups.stageOf(List.copyOf(saved.keySet()), config.unfreeze().stages(),
                    model.config().decoder().numHiddenLayers()).keySet();
            saved.keySet().retainAll(staged);
        }
        loadSaved.accept(saved);
        return adaptation;
    }

    /** The method, as {@code adapt.method} names it. */
    AdaptConfig.Method method();

    /** The parameters the optimizer updates, by full state-dict name: the live tensors. */
    Map<String, Tensor> trainable();

    default long trainableParameters() {
        return trainable().values().stream().mapToLong(Tensor::numel).sum();
    }

    /** Whether any T5 weight trains, so the text encoder must run with autograd. */
    default boolean textEncoderTrains() {
        return trainable().keySet().stream().anyMatch(name -> name.startsWith("text_encoder."));
    }

    /**
     * Makes the model a plain MusicGen model that carries the trained weights, so it saves as a Hugging Face model
     * folder: LoRA folds its adapters into the base weights and detaches them; full and partial fine-tuning trained the
     * model's own weights and do nothing.
     *
     * @throws AdaptationException when the method adds computation a plain MusicGen model does not have
     */
    void mergeIntoBase();

    /** Whether the method has an adapter-only export ({@link #writeAdapter}); a run writes it when it ends. */
    boolean hasAdapterExport();

    /**
     * Writes only what the method trained, in the format other tools load (LoRA: a PEFT adapter folder), creating
     * {@code dir}; each file atomically.
     *
     * @param baseModelName the base model's own name (a Hugging Face repository id or a folder name), recorded for
     *                      the tools that load the adapter onto it
     * @throws AdaptationException when the method has no adapter-only export
     */
    void writeAdapter(Path dir, String baseModelName);
}
