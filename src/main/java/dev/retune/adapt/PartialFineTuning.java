package dev.retune.adapt;

import dev.retune.config.AdaptConfig;
import dev.retune.config.ConfigException;
import dev.retune.config.PartialSection;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * Partial fine-tuning: only the parameters whose Hugging Face name matches one of the patterns train (e.g. the heads
 * and the last two decoder layers); every other parameter, codec included, is frozen.
 */
public final class PartialFineTuning extends OwnWeightsAdaptation {

    private PartialFineTuning(Map<String, Tensor> trainable) {
        super(trainable);
    }

    /** Freezes what no pattern matches. */
    public static PartialFineTuning apply(MusicgenForConditionalGeneration model, PartialSection config) {
        List<Pattern> compiled = config.patterns().stream().map(Pattern::compile).toList();
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> entry : StateDict.of(model).entrySet()) {
            String name = entry.getKey();
            boolean trains = !name.startsWith("audio_encoder.") && compiled.stream().anyMatch(p -> p.matcher(name).find());
            if (entry.getValue().is_leaf() && entry.getValue().is_floating_point()) {
                entry.getValue().requires_grad_(trains);
            }
            if (trains) {
                trainable.put(name, entry.getValue());
            }
        }
        if (trainable.isEmpty()) {
            throw new ConfigException("adapt.partial.patterns " + config.patterns() + " match no parameter; names look like "
                    + "decoder.lm_heads.0.weight, decoder.model.decoder.layers.0.fc1.weight, enc_to_dec_proj.weight",
                    "adapt.partial.patterns");
        }
        return new PartialFineTuning(trainable);
    }

    @Override
    public AdaptConfig.Method method() {
        return AdaptConfig.Method.PARTIAL;
    }
}
