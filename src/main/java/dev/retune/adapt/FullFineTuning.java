package dev.retune.adapt;

import dev.retune.config.AdaptConfig;
import dev.retune.model.MusicgenForConditionalGeneration;
import dev.retune.model.StateDict;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Full fine-tuning of the LM: the decoder and the text projection train; the codec never does; the T5 text encoder
 * only when asked. Every other parameter is frozen (requires_grad false), so backward never computes its gradient.
 */
public final class FullFineTuning extends OwnWeightsAdaptation {

    private FullFineTuning(Map<String, Tensor> trainable) {
        super(trainable);
    }

    /** Freezes what does not train. */
    public static FullFineTuning apply(MusicgenForConditionalGeneration model, boolean trainTextEncoder) {
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> entry : StateDict.of(model).entrySet()) {
            String name = entry.getKey();
            boolean trains = name.startsWith("decoder.") || name.startsWith("enc_to_dec_proj.")
                    || (trainTextEncoder && name.startsWith("text_encoder."));
            if (entry.getValue().is_leaf() && entry.getValue().is_floating_point()) {
                entry.getValue().requires_grad_(trains);
            }
            if (trains) {
                trainable.put(name, entry.getValue());
            }
        }
        return new FullFineTuning(trainable);
    }

    @Override
    public AdaptConfig.Method method() {
        return AdaptConfig.Method.FULL;
    }
}
