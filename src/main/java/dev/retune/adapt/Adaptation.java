package dev.retune.adapt;

import dev.retune.config.AdaptConfig;
import dev.retune.config.AdaptersSection;
import dev.retune.model.MusicgenForConditionalGeneration;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Applies the configured method ({@code adapt.method}) to a model: freezes what does not train, attaches adapters
 * where the method has them, and returns what trains. The trainer and {@code retune plan} both go through here, so a
 * plan counts exactly what a run trains.
 *
 * @param trainable the parameters the optimizer updates, by full state-dict name
 * @param lora      the LoRA layers with method {@code lora} (for the PEFT export), else null
 */
public record Adaptation(Map<String, Tensor> trainable, Lora lora) {

    public static Adaptation apply(MusicgenForConditionalGeneration model, AdaptConfig config) {
        return switch (config.method()) {
            case FULL -> new Adaptation(FullFineTuning.apply(model, config.trainTextEncoder()), null);
            case PARTIAL -> new Adaptation(PartialFineTuning.apply(model, config.partial().patterns()), null);
            case LORA -> {
                Lora lora = Lora.apply(model, LoraConfig.from(config.lora()));
                yield new Adaptation(lora.trainable(), lora);
            }
            case ADAPTERS -> {
                AdaptersSection s = config.adapters();
                yield new Adaptation(BottleneckAdapters.apply(model, new BottleneckConfig(s.size(), s.positions(), s.layers(),
                        s.activation(), s.textAdapter(), s.initStd())).trainable(), null);
            }
        };
    }

    /** Whether any T5 weight trains, so the text encoder must run with autograd. */
    public boolean textEncoderTrains() {
        return trainable.keySet().stream().anyMatch(name -> name.startsWith("text_encoder."));
    }

    public long trainableParameters() {
        return trainable.values().stream().mapToLong(Tensor::numel).sum();
    }
}
