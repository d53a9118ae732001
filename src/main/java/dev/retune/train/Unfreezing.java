package dev.retune.train;

import dev.retune.adapt.UnfreezeGroups;
import dev.retune.config.UnfreezeStage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code adapt.unfreeze} resolved against a model's trainable parameters: each stage's start as an optimizer step and
 * each parameter's stage. Parameters that no stage names are frozen for the whole run.
 *
 * @param stages  in config order, starts in steps
 * @param stageOf stage index per parameter name (empty when there are no stages)
 */
public record Unfreezing(List<ParamGroup.Stage> stages, Map<String, Integer> stageOf) {

    /**
     * @param stepsPerEpoch optimizer steps per epoch, to place {@code start_epoch} stages; 0 when unknown (a plan
     *                      without data), which places them at step 0 and leaves the epoch in the stage's name
     */
    public static Unfreezing resolve(List<UnfreezeStage> configured, List<String> trainableNames, int decoderLayers,
                                     long stepsPerEpoch) {
        if (configured.isEmpty()) {
            return new Unfreezing(List.of(), Map.of());
        }
        List<ParamGroup.Stage> stages = new ArrayList<>();
        for (UnfreezeStage s : configured) {
            long start = s.startStep() != null ? s.startStep() : s.startEpoch() * stepsPerEpoch;
            stages.add(new ParamGroup.Stage(s.name(), start, s.warmupSteps(), s.lrMult()));
        }
        return new Unfreezing(stages, UnfreezeGroups.stageOf(trainableNames, configured, decoderLayers));
    }

    public boolean enabled() {
        return !stages.isEmpty();
    }

    /** The parameters that train at some stage; the others are frozen here and now. */
    public Map<String, Tensor> restrict(Map<String, Tensor> trainable) {
        if (!enabled()) {
            return trainable;
        }
        Map<String, Tensor> staged = new LinkedHashMap<>();
        trainable.forEach((name, p) -> {
            if (stageOf.containsKey(name)) {
                staged.put(name, p);
            } else {
                p.requires_grad_(false);
            }
        });
        return staged;
    }
}
