package dev.retune.experiment;

import dev.retune.config.ConfigException;
import dev.retune.generate.InvalidRequestException;
import dev.retune.generate.ModelLocation;

/**
 * A source of an experiment file, {@code PATH[@CHECKPOINT][+ADAPTER[:WEIGHT]...]} as the {@code --source} option of
 * evaluate writes it: a training run ({@code @best}, {@code @latest} or {@code @STEP}; default best, else latest) or a
 * model folder with PEFT adapters composed with their weights (default 1), so a grid of adapter weights is a list of
 * sources.
 */
final class ExperimentSource {

    private ExperimentSource() {}

    /** Where {@code spec} points; what it names must exist. {@code name} is the source's key, for messages. */
    static ModelLocation parse(String name, String spec) {
        String key = "sources." + name;
        try {
            return ModelLocation.parse(spec);
        } catch (InvalidRequestException e) {
            throw new ConfigException(key + ": " + e.getMessage(), key);
        }
    }
}
