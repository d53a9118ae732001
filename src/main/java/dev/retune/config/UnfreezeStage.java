package dev.retune.config;

import java.util.List;

/**
 * One stage of {@code adapt.unfreeze}: from {@code start_step} (or {@code start_epoch}) on, the parameters of
 * {@code groups} train too, at {@code lr_mult} times the schedule's rate, ramped up over {@code warmup_steps}.
 *
 * @param name        shown in logs and plans
 * @param startStep   optimizer step at which the stage begins (0 = from the start)
 * @param startEpoch  alternatively, the epoch at which it begins
 * @param groups      predefined groups ({@code heads}, {@code final_norm}, {@code layers[a:b]} with Python slice
 *                    indices, negative from the top, {@code cross_attention}, {@code embeddings}, {@code text_projection},
 *                    {@code text_encoder}) or {@code regex:PATTERN} over parameter names
 * @param lrMult      this stage's learning-rate multiplier
 * @param warmupSteps linear ramp of this stage's rate after it starts (0 = none)
 */
public record UnfreezeStage(String name, Integer startStep, Integer startEpoch, List<String> groups, Double lrMult,
                            Integer warmupSteps) {

    public UnfreezeStage {
        if (startStep != null && startEpoch != null) {
            throw new ConfigException("adapt.unfreeze.stages: stage '" + name + "' sets both start_step and start_epoch; keep one",
                    "adapt.unfreeze.stages");
        }
        if (startStep == null && startEpoch == null) {
            startStep = 0;
        }
        if (groups == null || groups.isEmpty()) {
            throw new ConfigException("adapt.unfreeze.stages: stage '" + name + "' needs groups (e.g. [heads, final_norm])",
                    "adapt.unfreeze.stages");
        }
        groups = Check.items("adapt.unfreeze.stages.groups", groups, "a group name");
        name = name == null ? String.join("+", groups) : name;
        lrMult = lrMult == null ? 1.0 : lrMult;
        warmupSteps = warmupSteps == null ? 0 : warmupSteps;
        Check.greaterThan("adapt.unfreeze.stages.lr_mult", lrMult, 0);
        Check.atLeast("adapt.unfreeze.stages.warmup_steps", warmupSteps, 0);
        if (startStep != null) {
            Check.atLeast("adapt.unfreeze.stages.start_step", startStep, 0);
        } else {
            Check.atLeast("adapt.unfreeze.stages.start_epoch", startEpoch, 0);
        }
    }
}
