package dev.retune.data;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Which part of the dataset a track belongs to. */
public enum Split {
    TRAIN,
    VALID;

    /** Values a {@code split} column may hold, case-insensitively. */
    public static final List<String> TRAIN_NAMES = List.of("train");
    public static final List<String> VALID_NAMES = List.of("valid", "validation", "val", "eval", "dev", "test");

    /** The split a {@code split} cell names, or empty when the value is none of the accepted names. */
    public static Optional<Split> fromName(String value) {
        String name = value.strip().toLowerCase(Locale.ROOT);
        if (TRAIN_NAMES.contains(name)) {
            return Optional.of(TRAIN);
        }
        if (VALID_NAMES.contains(name)) {
            return Optional.of(VALID);
        }
        return Optional.empty();
    }
}
