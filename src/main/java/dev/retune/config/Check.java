package dev.retune.config;

import java.util.List;

/**
 * Range checks for config records; each message names the full key (e.g. {@code optim.lr}) so the user knows what to
 * change. Every check also rejects NaN; the one-sided checks reject infinity.
 */
final class Check {

    private Check() {}

    /** {@code min <= value <= max}. */
    static void range(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(key + " must be within [" + fmt(min) + ", " + fmt(max) + "], found " + fmt(value), key);
        }
    }

    /** {@code min <= value < maxExclusive}. */
    static void below(String key, double value, double min, double maxExclusive) {
        if (!(value >= min && value < maxExclusive)) {
            throw new ConfigException(key + " must be within [" + fmt(min) + ", " + fmt(maxExclusive) + "), found " + fmt(value), key);
        }
    }

    /** {@code minExclusive < value < maxExclusive}. */
    static void open(String key, double value, double minExclusive, double maxExclusive) {
        if (!(value > minExclusive && value < maxExclusive)) {
            throw new ConfigException(key + " must be within (" + fmt(minExclusive) + ", " + fmt(maxExclusive) + "), found " + fmt(value), key);
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
            throw new ConfigException(key + " must be greater than " + fmt(minExclusive) + ", found " + fmt(value), key);
        }
    }

    /** {@code value >= min}, finite. */
    static void atLeast(String key, double value, double min) {
        finite(key, value);
        if (!(value >= min)) {
            throw new ConfigException(key + " must be at least " + fmt(min) + ", found " + fmt(value), key);
        }
    }

    /** {@code value <= max}, for keys already checked from below. */
    static void atMost(String key, double value, double max) {
        if (!(value <= max)) {
            throw new ConfigException(key + " must be at most " + fmt(max) + ", found " + fmt(value), key);
        }
    }

    /** A folder key: unset (null) or a non-blank path; an empty path would silently mean the working directory. */
    static void notBlank(String key, String value) {
        if (value != null && value.isBlank()) {
            throw new ConfigException(key + " is empty; give a folder, or null (or leave the key out) for the default", key);
        }
    }

    /**
     * An unmodifiable copy of a list key whose every item is present: YAML reads an empty item ({@code [a, ]} is fine,
     * {@code [a, ~]} is not) as null.
     *
     * @param item what an item must be, for the message: "a number", "a regex"
     */
    static <T> List<T> items(String key, List<T> list, String item) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new ConfigException(key + "[" + i + "] must be " + item + ", found null", key);
            }
        }
        return List.copyOf(list);
    }

    private static void finite(String key, double value) {
        if (Double.isInfinite(value)) {
            throw new ConfigException(key + " must be a finite number, found " + fmt(value), key);
        }
    }

    private static String fmt(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
