package dev.retune.config;

/**
 * Range checks for config records; each message names the full key (e.g. {@code optim.lr}) so the user knows what to
 * change. Every check also rejects NaN; the one-sided checks reject infinity.
 */
final class Check {

    private Check() {}

    /** {@code min <= value <= max}. */
    static void range(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(key + " must be within [" + fmt(min) + ", " + fmt(max) + "], found " + fmt(value));
        }
    }

    /** {@code min <= value < maxExclusive}. */
    static void below(String key, double value, double min, double maxExclusive) {
        if (!(value >= min && value < maxExclusive)) {
            throw new ConfigException(key + " must be within [" + fmt(min) + ", " + fmt(maxExclusive) + "), found " + fmt(value));
        }
    }

    /** {@code minExclusive < value < maxExclusive}. */
    static void open(String key, double value, double minExclusive, double maxExclusive) {
        if (!(value > minExclusive && value < maxExclusive)) {
            throw new ConfigException(key + " must be within (" + fmt(minExclusive) + ", " + fmt(maxExclusive) + "), found " + fmt(value));
        }
    }

    /** {@code value > 0}, finite. */
    static void positive(String key, double value) {
        greaterThan(key, value, 0);
    }

    /** {@code value > minExclusive}, finite. */
    static void greaterThan(String key, double value, double minExclusive) {
        finite(key, value);
        if (!(value > minExclusive)) {
            throw new ConfigException(key + " must be greater than " + fmt(minExclusive) + ", found " + fmt(value));
        }
    }

    /** {@code value >= min}, finite. */
    static void atLeast(String key, double value, double min) {
        finite(key, value);
        if (!(value >= min)) {
            throw new ConfigException(key + " must be at least " + fmt(min) + ", found " + fmt(value));
        }
    }

    private static void finite(String key, double value) {
        if (Double.isInfinite(value)) {
            throw new ConfigException(key + " must be a finite number, found " + fmt(value));
        }
    }

    private static String fmt(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
