package dev.retune.data;

/**
 * One bad row or file found while reading a dataset. {@code line} is the 1-based line of metadata.csv where the row
 * starts (0 when the problem is not tied to a row); {@code file} is the audio path as written in the CSV, or empty.
 */
public record Problem(int line, String file, Kind kind, String message) {

    /** Stable identifiers: scripts match on {@link #id()}, so never rename one. */
    public enum Kind {
        MALFORMED_CSV("malformed_csv"),
        EMPTY_PATH("empty_path"),
        PATH_OUTSIDE_DATASET("path_outside_dataset"),
        MISSING_FILE("missing_file"),
        NOT_A_FILE("not_a_file"),
        DUPLICATE("duplicate"),
        EMPTY_CAPTION("empty_caption"),
        UNDECODABLE("undecodable"),
        CORRUPT("corrupt"),
        EMPTY_AUDIO("empty_audio"),
        TOO_SHORT("too_short");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }
}
