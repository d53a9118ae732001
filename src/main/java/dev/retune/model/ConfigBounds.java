package dev.retune.model;

/**
 * Range checks for the config.json records. Each message names the key path ({@code decoder.num_hidden_layers}); the
 * file is added where the record is bound. The checks run in the records' compact constructors, before any tensor of
 * the model exists.
 */
final class ConfigBounds {

    private ConfigBounds() {}

    /** A key that sets the model's shape: it must be there, within {@code [min, max]}. */
    static int required(String key, Integer value, int min, int max) {
        if (value == null) {
            throw new ModelException(key + " is missing (it sets the model's shape)");
        }
        range(key, value, min, max);
        return value;
    }

    /** A key that may be left out ({@code fallback}); when given, within {@code [min, max]}. */
    static int optional(String key, Integer value, int fallback, int min, int max) {
        int resolved = value == null ? fallback : value;
        range(key, resolved, min, max);
        return resolved;
    }

    /** A dropout probability in [0, 1), {@code fallback} when left out. */
    static double probability(String key, Double value, double fallback) {
        double resolved = value == null ? fallback : value;
        if (!(resolved >= 0 && resolved < 1)) {
            throw new ModelException(key + " must be within [0, 1), found " + resolved);
        }
        return resolved;
    }

    /** {@code min <= value <= max}. */
    static void range(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ModelException(key + " must be between " + min + " and " + max + ", found " + value);
        }
    }
}
