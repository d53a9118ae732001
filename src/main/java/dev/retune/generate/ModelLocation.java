package dev.retune.generate;

import dev.retune.model.ModelFolder;
import dev.retune.run.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where the model to generate with comes from, before anything is loaded: a Hugging Face model folder with zero or
 * more PEFT adapters applied in order, or a training run and which of its checkpoints. A combination that mixes the
 * two is an {@link InvalidRequestException} naming the options.
 *
 * @param folder     a model folder, or null for a run
 * @param adapters   PEFT adapter folders applied on {@code folder}, in order (null or empty: none; none for a run)
 * @param adapterWeights each adapter's weight, finite and ≥ 0 ({@link dev.retune.adapt.PeftAdapter#compose}: the deltas
 *                   scaled and summed; 0 leaves the adapter off); null: 1 for every adapter
 * @param run        a training run's folder, or null for a model folder
 * @param checkpoint which checkpoint of the run (null: {@link CheckpointChoice#DEFAULT}); must be null for a model folder
 */
public record ModelLocation(Path folder, List<Path> adapters, List<Double> adapterWeights, Path run, CheckpointChoice checkpoint) {

    private static final Pattern CHECKPOINT = Pattern.compile("best|latest|\\d+");

    public ModelLocation {
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
        adapterWeights = adapterWeights == null ? adapters.stream().map(adapter -> 1.0).toList() : List.copyOf(adapterWeights);
        if (adapterWeights.size() != adapters.size()) {
            throw new IllegalArgumentException(adapters.size() + " adapters but " + adapterWeights.size() + " weights");
        }
        for (int i = 0; i < adapters.size(); i++) {
            Weighted.check("--adapter " + adapters.get(i), adapterWeights.get(i));
        }
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

    /** A location whose adapters all have weight 1. */
    public ModelLocation(Path folder, List<Path> adapters, Path run, CheckpointChoice checkpoint) {
        this(folder, adapters, null, run, checkpoint);
    }

    /** A model folder with {@code adapters} applied in order. */
    public static ModelLocation folder(Path dir, List<Path> adapters) {
        return new ModelLocation(dir, adapters, null, null, null);
    }

    /** A model folder with {@code adapters} composed with their weights (one per adapter). */
    public static ModelLocation folder(Path dir, List<Path> adapters, List<Double> weights) {
        return new ModelLocation(dir, adapters, weights, null, null);
    }

    /** The adapters as {@code DIR[:WEIGHT]}, the weight written when it is not 1. */
    public List<String> describeAdapters() {
        List<String> described = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            described.add(new Weighted(adapters.get(i).toString(), adapterWeights.get(i)).describe());
        }
        return described;
    }

    /**
     * A source as evaluate's {@code --source} and experiment files write it, {@code PATH[@CHECKPOINT][+ADAPTER[:WEIGHT]...]}:
     * a training run (a folder with config.yaml or checkpoints; {@code @best}, {@code @latest} or {@code @STEP}) or a
     * model folder (config.json) with PEFT adapters composed with their weights (default 1; {@link Weighted}'s rule: a
     * number after an adapter's last ':' is its weight), told apart by what is on disk.
     *
     * @throws InvalidRequestException naming what cannot be a source
     */
    public static ModelLocation parse(String spec) {
        String[] parts = spec.split("\\+", -1);
        String base = parts[0];
        String checkpoint = null;
        int at = base.lastIndexOf('@');
        if (at > 0 && CHECKPOINT.matcher(base.substring(at + 1)).matches()) {
            checkpoint = base.substring(at + 1);
            base = base.substring(0, at);
        }
        if (base.isEmpty()) {
            throw new InvalidRequestException("'" + spec + "' names no folder");
        }
        List<Path> adapters = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].isBlank()) {
                throw new InvalidRequestException("'" + spec + "' has an empty adapter after '+'");
            }
            Weighted adapter = Weighted.parse("'" + spec + "': adapter", parts[i], 1.0);
            adapters.add(Path.of(adapter.target()));
            weights.add(adapter.weight());
        }
        Path dir = Path.of(base);
        if (Files.isRegularFile(dir.resolve(ModelFolder.CONFIG))) {
            if (checkpoint != null) {
                throw new InvalidRequestException(dir + " is a model folder; @" + checkpoint + " picks a checkpoint of a training run");
            }
            return folder(dir, adapters, weights);
        }
        RunFolder run = new RunFolder(dir);
        if (Files.isRegularFile(run.configFile()) || run.hasCheckpoint()) {
            if (!adapters.isEmpty()) {
                throw new InvalidRequestException(dir + " is a training run, which brings its own trained weights; adapters (+DIR) "
                        + "apply to a model folder");
            }
            try {
                return run(dir, checkpoint == null ? null : CheckpointChoice.parse(checkpoint));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("@" + checkpoint + ": " + e.getMessage());
            }
        }
        throw new InvalidRequestException(dir + " is neither a model folder (no " + ModelFolder.CONFIG
                + ") nor a training run (no config.yaml or checkpoints)");
    }

    /** A training run's checkpoint. */
    public static ModelLocation run(Path dir, CheckpointChoice checkpoint) {
        return new ModelLocation(null, List.of(), null, dir, checkpoint);
    }
}
