package dev.retune.config;

import java.util.List;

/**
 * Section {@code adapt.unfreeze}: progressive unfreezing. Only parameters named by a stage train, each from its
 * stage's start; the adaptation method decides which parameters can train at all (full, partial, LoRA, adapters).
 *
 * @param stages in any order; a parameter belongs to the first stage (in list order) whose groups match it
 */
public record UnfreezeSection(List<UnfreezeStage> stages) {

    public UnfreezeSection {
        stages = stages == null ? List.of() : Check.items("adapt.unfreeze.stages", stages, "a stage (a mapping with groups:)");
    }

    public boolean enabled() {
        return !stages.isEmpty();
    }
}
