package dev.retune.config;

/** Range checks for config records; each message names the key so the user knows what to change. */
final class Check {

    private Check() {}

    static void range(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(key + " must be within [" + fmt(min) + ", " + fmt(max) + "], found " + fmt(value));
        }
    }

    static void below(String key, double value, double min, double maxExclusive) {
        if (!(value >= min && value < maxExclusive)) {
            throw new ConfigException(key + " must be within [" + fmt(min) + ", " + fmt(maxExclusive) + "), found " + fmt(value));
        }
    }

    static void positive(String key, double value) {
        if (!(value > 0)) {
            throw new ConfigException(key + " must be greater than 0, found " + fmt(value));
        }
    }

    private static String fmt(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
