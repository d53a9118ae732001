package dev.retune.generate;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the model to generate with comes from, before anything is loaded: a Hugging Face model folder with zero or
 * more PEFT adapters applied in order, or a training run and which of its checkpoints. A combination that mixes the
 * two is an {@link InvalidRequestException} naming the options.
 *
 * @param folder     a model folder, or null for a run
 * @param adapters   PEFT adapter folders applied on {@code folder}, in order (null or empty: none; none for a run)
 * @param run        a training run's folder, or null for a model folder
 * @param checkpoint which checkpoint of the run (null: {@link CheckpointChoice#DEFAULT}); must be null for a model folder
 */
public record ModelLocation(Path folder, List<Path> adapters, Path run, CheckpointChoice checkpoint) {

    public ModelLocation {
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
        if ((folder == null) == (run == null)) {
            throw new InvalidRequestException("give exactly one of --model DIR or --run RUN_DIR");
        }
        if (run != null && !adapters.isEmpty()) {
            throw new InvalidRequestException("--adapter applies to --model; a --run brings its own trained weights");
        }
        if (folder != null && checkpoint != null) {
            throw new InvalidRequestException("--checkpoint applies to --run, not to --model");
        }
        if (run != null && checkpoint == null) {
            checkpoint = CheckpointChoice.DEFAULT;
        }
    }

    /** A model folder with {@code adapters} applied in order. */
    public static ModelLocation folder(Path dir, List<Path> adapters) {
        return new ModelLocation(dir, adapters, null, null);
    }

    /** A training run's checkpoint. */
    public static ModelLocation run(Path dir, CheckpointChoice checkpoint) {
        return new ModelLocation(null, List.of(), dir, checkpoint);
    }
}
