package dev.retune.adapt;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A method that trains a subset of the model's own weights (full and partial fine-tuning): the trained model already
 * is a plain MusicGen model, so there is nothing to merge and no adapter to export on its own.
 */
abstract class OwnWeightsAdaptation implements Adaptation {

    private final Map<String, Tensor> trainable;

    OwnWeightsAdaptation(Map<String, Tensor> trainable) {
        this.trainable = trainable;
    }

    @Override
    public final Map<String, Tensor> trainable() {
        return new LinkedHashMap<>(trainable);
    }

    @Override
    public final void mergeIntoBase() {
        // The trained weights are the model's own.
    }

    @Override
    public final boolean hasAdapterExport() {
        return false;
    }

    @Override
    public final void writeAdapter(Path dir, String baseModelName) {
        throw new AdaptationException("adapt.method " + method().value() + " has no adapter-only export: it trains the model's"
                + " own weights; export the whole model with --merged");
    }
}
