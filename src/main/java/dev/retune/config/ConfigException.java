package dev.retune.config;

import dev.retune.Failure;
import dev.retune.RetuneException;
import java.util.List;

/**
 * A config file or override that cannot be used; the message names the file (and line) or the {@code --set}, and the
 * key. {@link #keys()} are the dotted keys at fault ({@code optim.lr}), when the thrower knows them: the loader uses
 * them to say where each was set.
 */
public class ConfigException extends RetuneException {

    private final List<String> keys;

    public ConfigException(String message, String... keys) {
        super(Failure.BAD_INPUT, message);
        this.keys = List.of(keys);
    }

    public List<String> keys() {
        return keys;
    }
}
