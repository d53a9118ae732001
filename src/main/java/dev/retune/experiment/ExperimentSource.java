package dev.retune.experiment;

import dev.retune.config.ConfigException;
import dev.retune.generate.CheckpointChoice;
import dev.retune.generate.ModelLocation;
import dev.retune.model.ModelFolder;
import dev.retune.run.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A source of an experiment file, {@code PATH[@CHECKPOINT][+ADAPTER...]} as the {@code --source} option of evaluate
 * writes it: a training run ({@code @best}, {@code @latest} or {@code @STEP}; default best, else latest) or a model
 * folder with PEFT adapters applied in order.
 */
final class ExperimentSource {

    private static final Pattern CHECKPOINT = Pattern.compile("best|latest|\\d{1,18}");

    private ExperimentSource() {}

    /** Where {@code spec} points; what it names must exist. {@code name} is the source's key, for messages. */
    static ModelLocation parse(String name, String spec) {
        String key = "sources." + name;
        String[] parts = spec.split("\\+", -1);
        String base = parts[0];
        String checkpoint = null;
        int at = base.lastIndexOf('@');
        if (at > 0 && CHECKPOINT.matcher(base.substring(at + 1)).matches()) {
            checkpoint = base.substring(at + 1);
            base = base.substring(0, at);
        }
        List<Path> adapters = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].isBlank()) {
                throw new ConfigException(key + ": '" + spec + "' has an empty adapter after '+'", key);
            }
            adapters.add(Path.of(parts[i]));
        }
        Path dir = Path.of(base);
        if (Files.isRegularFile(dir.resolve(ModelFolder.CONFIG))) {
            if (checkpoint != null) {
                throw new ConfigException(key + ": " + dir + " is a model folder; @" + checkpoint + " picks a checkpoint of a training run", key);
            }
            return ModelLocation.folder(dir, adapters);
        }
        RunFolder run = new RunFolder(dir);
        if (Files.isRegularFile(run.configFile()) || run.hasCheckpoint()) {
            if (!adapters.isEmpty()) {
                throw new ConfigException(key + ": " + dir + " is a training run, which brings its own trained weights; "
                        + "adapters (+DIR) apply to a model folder", key);
            }
            return ModelLocation.run(dir, checkpoint == null ? null : CheckpointChoice.parse(checkpoint));
        }
        throw new ConfigException(key + ": " + dir + " is neither a model folder (no " + ModelFolder.CONFIG
                + ") nor a training run (no config.yaml or checkpoints)", key);
    }
}
