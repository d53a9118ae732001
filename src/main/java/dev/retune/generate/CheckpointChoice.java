package dev.retune.generate;

import dev.retune.model.ModelException;
import dev.retune.run.Checkpointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which checkpoint of a training run to use: the one with the best validation loss, the latest, or that of one step.
 * Without a choice it is the best one when the run has one, else the latest: the last steps of a run may overfit.
 *
 * @param rule how the checkpoint is found
 * @param step the step, for {@link Rule#STEP}
 */
public record CheckpointChoice(Rule rule, long step) {

    public enum Rule { BEST_OR_LATEST, BEST, LATEST, STEP }

    public static final CheckpointChoice DEFAULT = new CheckpointChoice(Rule.BEST_OR_LATEST, 0);

    /**
     * A verified checkpoint and why it was taken.
     *
     * @param reason   how it was chosen, for people ("best validation loss", "latest", ...)
     * @param warnings damaged checkpoints skipped on the way to the latest good one
     */
    public record Chosen(Checkpointer.Saved saved, String reason, List<String> warnings) {

        public long step() {
            return saved.state().step();
        }

        /** The line that tells a person which checkpoint of {@code run} is used and why. */
        public String describe(Path run) {
            return "using checkpoint step " + step() + " of " + run + " (" + reason + ")";
        }
    }

    public CheckpointChoice {
        if (step < 0) {
            throw new IllegalArgumentException("step: expected ≥ 0, found " + step);
        }
    }

    /** {@code best}, {@code latest} or a step number ≥ 0; anything else is an IllegalArgumentException naming the choices. */
    public static CheckpointChoice parse(String text) {
        return switch (text) {
            case "best" -> new CheckpointChoice(Rule.BEST, 0);
            case "latest" -> new CheckpointChoice(Rule.LATEST, 0);
            default -> {
                if (!text.matches("\\d{1,18}")) {
                    throw new IllegalArgumentException("expected best, latest or a step number ≥ 0, found '" + text + "'");
                }
                yield new CheckpointChoice(Rule.STEP, Long.parseLong(text));
            }
        };
    }

    /** The checkpoint of {@code runDir} this choice names, verified; none is a ModelException or TrainingException naming the run. */
    public Chosen resolve(Path runDir) {
        Checkpointer checkpointer = new Checkpointer(runDir, Integer.MAX_VALUE);
        List<String> warnings = new ArrayList<>();
        return switch (rule) {
            case STEP -> new Chosen(checkpointer.atStep(step), "the step asked for", warnings);
            case BEST -> new Chosen(checkpointer.best().orElseThrow(() -> noBest(checkpointer, runDir)), "best validation loss", warnings);
            case LATEST -> new Chosen(latest(checkpointer, runDir, warnings), "latest", warnings);
            case BEST_OR_LATEST -> checkpointer.best().map(saved -> new Chosen(saved, "best validation loss", warnings))
                    .orElseGet(() -> new Chosen(latest(checkpointer, runDir, warnings), "latest; the run has no best checkpoint", warnings));
        };
    }

    private static ModelException noBest(Checkpointer checkpointer, Path runDir) {
        List<Long> steps = checkpointer.steps();
        return new ModelException(runDir + " has no best checkpoint (no evaluation ran)"
                + (steps.isEmpty() ? " and no checkpoint at all" : "; its checkpoints are of steps " + steps));
    }

    private static Checkpointer.Saved latest(Checkpointer checkpointer, Path runDir, List<String> warnings) {
        return checkpointer.latest(warnings).orElseThrow(() -> new ModelException(runDir + " has no usable checkpoint"
                + (warnings.isEmpty() ? "" : ": " + String.join("; ", warnings))));
    }
}
